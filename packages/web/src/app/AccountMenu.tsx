/**
 * The signed-in user's menu, a button with their name: profile, editor settings, keyboard
 * shortcuts and Sign out. The WAI-ARIA menu button pattern: Enter, Space or ArrowDown open it
 * on the first item (ArrowUp on the last), the arrow keys, Home and End move, Escape closes
 * it back onto the button, Tab or a click elsewhere just closes it.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';

import { useSession } from '../api/session';
import { SettingsDialog } from '../settings/SettingsDialog';
import { KeyboardShortcutsDialog } from '../workspace/commands/KeyboardShortcutsDialog';
import './AccountMenu.css';

type Opened = 'settings' | 'shortcuts' | undefined;

export function AccountMenu() {
  const { user, logout } = useSession();
  const [open, setOpen] = useState(false);
  const [dialog, setDialog] = useState<Opened>();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const menuId = useId();
  /** The item to focus once the menu is rendered: first or last. */
  const [focusOnOpen, setFocusOnOpen] = useState<'first' | 'last'>('first');

  const items = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? [])];

  useEffect(() => {
    if (!open) return;
    const all = items();
    (focusOnOpen === 'first' ? all[0] : all.at(-1))?.focus();
    const clickedOutside = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('mousedown', clickedOutside);
    return () => document.removeEventListener('mousedown', clickedOutside);
  }, [open, focusOnOpen]);

  if (!user) return null;

  const openAt = (where: 'first' | 'last') => {
    setFocusOnOpen(where);
    setOpen(true);
  };
  /** Closes the menu onto its button, which dialogs then give focus back to. */
  const closeThen = (action?: () => void) => {
    setOpen(false);
    button.current?.focus();
    action?.();
  };

  const onMenuKeyDown = (event: React.KeyboardEvent) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const moves: Record<string, number> = {
      ArrowDown: (at + 1) % all.length,
      ArrowUp: (at - 1 + all.length) % all.length,
      Home: 0,
      End: all.length - 1,
    };
    const to = moves[event.key];
    if (to !== undefined) {
      event.preventDefault();
      all[to]?.focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      closeThen();
    } else if (event.key === 'Tab') setOpen(false);
  };

  return (
    <div className="account-menu">
      <button
        ref={button}
        type="button"
        className="account-menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => (open ? setOpen(false) : openAt('first'))}
        onKeyDown={(event) => {
          if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
          event.preventDefault();
          openAt(event.key === 'ArrowDown' ? 'first' : 'last');
        }}
      >
        <span className="avatar" aria-hidden="true">
          {user.username.slice(0, 1).toUpperCase()}
        </span>
        <span className="account-menu-name">{user.username}</span>
      </button>
      {open && (
        <div
          ref={menu}
          id={menuId}
          className="account-menu-list"
          role="menu"
          aria-label={user.username}
          onKeyDown={onMenuKeyDown}
        >
          <Link to="/profile" role="menuitem" tabIndex={-1} onClick={() => setOpen(false)}>
            Profile
          </Link>
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            onClick={() => closeThen(() => setDialog('settings'))}
          >
            Settings
          </button>
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            onClick={() => closeThen(() => setDialog('shortcuts'))}
          >
            Keyboard shortcuts
          </button>
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            onClick={() =>
              closeThen(() => {
                // Signed out here even when the server cannot be reached; nothing to show.
                logout().catch(() => undefined);
              })
            }
          >
            Sign out
          </button>
        </div>
      )}
      <SettingsDialog open={dialog === 'settings'} onClose={() => setDialog(undefined)} />
      <KeyboardShortcutsDialog open={dialog === 'shortcuts'} onClose={() => setDialog(undefined)} />
    </div>
  );
}
