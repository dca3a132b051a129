/**
 * A small context menu (WAI-ARIA menu pattern): opens focused on its first item, arrow
 * keys move, Enter/Space choose, Escape or Tab or a click elsewhere close it and give focus
 * back to where it came from.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';

import './ContextMenu.css';

export interface MenuItem<Id extends string> {
  id: Id;
  label: string;
  shortcut?: string;
  danger?: boolean;
}

export interface ContextMenuProps<Id extends string> {
  label: string;
  x: number;
  y: number;
  items: readonly MenuItem<Id>[];
  onSelect: (id: Id) => void;
  /** Closed without choosing (the caller restores focus). */
  onClose: () => void;
}

export function ContextMenu<Id extends string>({
  label,
  x,
  y,
  items,
  onSelect,
  onClose,
}: ContextMenuProps<Id>) {
  const menu = useRef<HTMLUListElement>(null);
  const [position, setPosition] = useState({ left: x, top: y });

  // Kept inside the viewport: a menu opened near the bottom or right edge flips over.
  useLayoutEffect(() => {
    const element = menu.current;
    if (!element) return;
    const { width, height } = element.getBoundingClientRect();
    const left = Math.max(0, Math.min(x, window.innerWidth - width - 4));
    const top = y + height > window.innerHeight ? Math.max(0, y - height) : y;
    if (left !== x || top !== y) setPosition({ left, top });
    element.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [x, y]);

  useEffect(() => {
    const onPointerDown = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node)) onClose();
    };
    const onBlur = () => onClose();
    document.addEventListener('pointerdown', onPointerDown, true);
    window.addEventListener('blur', onBlur);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown, true);
      window.removeEventListener('blur', onBlur);
    };
  }, [onClose]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    const buttons = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => buttons[(to + buttons.length) % buttons.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        move(index + 1);
        break;
      case 'ArrowUp':
        move(index - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(buttons.length - 1);
        break;
      case 'Escape':
      case 'Tab':
        onClose();
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  return (
    <ul
      ref={menu}
      role="menu"
      aria-label={label}
      className="context-menu"
      style={{ left: position.left, top: position.top }}
      onKeyDown={onKeyDown}
      onContextMenu={(event) => event.preventDefault()}
    >
      {items.map((item) => (
        <li
          key={item.id}
          role="menuitem"
          tabIndex={-1}
          className={item.danger ? 'context-menu-item danger' : 'context-menu-item'}
          onClick={() => onSelect(item.id)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' || event.key === ' ') {
              event.preventDefault();
              onSelect(item.id);
            }
          }}
        >
          <span>{item.label}</span>
          {item.shortcut && (
            <span className="context-menu-shortcut" aria-hidden="true">
              {item.shortcut}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
