/**
 * The command palette, Go to file and Go to symbol in workspace, one dialog as in VS Code:
 * what is typed after ">" is matched against every command, after "#" pyright is asked for
 * the workspace's symbols, anything else is matched against every path, so typing ">" in
 * Go to file turns it into the palette and deleting it turns it back. A combobox over a
 * listbox: focus stays in the input and the arrow keys move the active option.
 *
 * Mount it to open and unmount it to close (`key` it by mode to reopen in the other one).
 * Escape and Enter give focus back to where it was before the command or file takes it;
 * a click outside closes it and leaves focus where the click put it.
 */
import { useEffect, useEffectEvent, useId, useRef, useState } from 'react';

import type { WorkspaceSymbol, WorkspaceSymbolSearch } from '../language/workspaceSymbols';
import type { CommandRegistry } from './CommandRegistry';
import { Highlighted } from './Highlighted';
import { currentPlatform, type Platform } from './keybinding';
import {
  modeOf,
  PREFIXES,
  type QuickPickItem,
  type QuickPickMode,
  useQuickPickItems,
} from './useQuickPickItems';
import { type SymbolItems, useSymbolItems } from './useSymbolItems';
import './QuickPick.css';

export interface QuickPickProps {
  initialMode: QuickPickMode;
  registry: CommandRegistry;
  /** Every file in the workspace. */
  paths: readonly string[];
  onOpenFile: (path: string) => void;
  searchSymbols: WorkspaceSymbolSearch;
  /** Opens the file a symbol is in, at the symbol. */
  onOpenSymbol: (location: Pick<WorkspaceSymbol, 'path' | 'line' | 'column'>) => void;
  onClose: () => void;
  platform?: Platform;
}

/** Rows moved by PageUp and PageDown: about what the list shows at once. */
const PAGE = 10;

const LABELS: Record<QuickPickMode, string> = {
  commands: 'Command palette',
  files: 'Go to file',
  symbols: 'Go to symbol in workspace',
};

const PLACEHOLDERS: Record<QuickPickMode, string> = {
  commands: 'Type a command',
  files: 'Type a file name, > for commands or # for symbols',
  symbols: 'Type the name of a function, class or variable',
};

const EMPTY: Record<QuickPickMode, string> = {
  commands: 'No matching commands',
  files: 'No matching files',
  symbols: 'No matching symbols',
};

export function QuickPick({
  initialMode,
  registry,
  paths,
  onOpenFile,
  searchSymbols,
  onOpenSymbol,
  onClose,
  platform = currentPlatform(),
}: QuickPickProps) {
  const [value, setValue] = useState(PREFIXES[initialMode]);
  const [active, setActive] = useState(0);
  const mode = modeOf(value);
  const listed = useQuickPickItems(value, registry, paths, platform);
  const symbols = useSymbolItems(
    mode === 'symbols' ? value.slice(PREFIXES.symbols.length) : '',
    searchSymbols,
  );
  const items = mode === 'symbols' ? symbols.items : listed;
  const listId = useId();
  const root = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLUListElement>(null);
  // Taken before the input's autoFocus moves focus away from it.
  const [opener] = useState(() => document.activeElement);
  const closeOnClickOutside = useEffectEvent(onClose);

  useEffect(() => {
    const clickedOutside = (event: MouseEvent) => {
      if (event.target instanceof Node && !root.current?.contains(event.target))
        closeOnClickOutside();
    };
    document.addEventListener('mousedown', clickedOutside, true);
    return () => document.removeEventListener('mousedown', clickedOutside, true);
  }, []);

  const activeIndex = Math.min(active, items.length - 1);
  const optionId = (index: number) => `${listId}-option-${index}`;
  useEffect(() => {
    const element = list.current?.children[activeIndex];
    if (element instanceof HTMLElement) element.scrollIntoView?.({ block: 'nearest' });
  }, [activeIndex]);

  const close = () => {
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    onClose();
  };
  const choose = (item: QuickPickItem | undefined) => {
    if (!item) return;
    close();
    if (item.location) onOpenSymbol(item.location);
    else if (mode === 'commands') registry.run(item.key);
    else onOpenFile(item.key);
  };

  const move = (to: number) => setActive(Math.max(0, Math.min(items.length - 1, to)));
  const onKeyDown = (event: React.KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(activeIndex + 1 < items.length ? activeIndex + 1 : 0),
      ArrowUp: () => move(activeIndex > 0 ? activeIndex - 1 : items.length - 1),
      PageDown: () => move(activeIndex + PAGE),
      PageUp: () => move(activeIndex - PAGE),
      Home: () => move(0),
      End: () => move(items.length - 1),
      Enter: () => choose(items[activeIndex]),
      Escape: close,
    };
    const action = keys[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    event.stopPropagation();
    action();
  };

  const label = LABELS[mode];
  return (
    <div ref={root} className="quick-pick" role="dialog" aria-label={label}>
      <input
        className="quick-pick-input"
        role="combobox"
        aria-label={label}
        aria-expanded="true"
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={items.length > 0 ? optionId(activeIndex) : undefined}
        placeholder={PLACEHOLDERS[mode]}
        autoFocus
        spellCheck={false}
        autoComplete="off"
        value={value}
        onChange={(event) => {
          setValue(event.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul ref={list} id={listId} className="quick-pick-list" role="listbox" aria-label={label}>
        {items.map((item, index) => (
          <li
            key={item.key}
            id={optionId(index)}
            role="option"
            aria-selected={index === activeIndex}
            className="quick-pick-option"
            // Keeps focus, and so the keyboard, in the input.
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => choose(item)}
          >
            {item.kind !== undefined && <span className="quick-pick-kind">{item.kind}</span>}
            <span className="quick-pick-label">
              <Highlighted text={item.label} matches={item.labelMatches} />
            </span>
            {item.detail !== undefined && (
              <span className="quick-pick-detail">
                <Highlighted text={item.detail} matches={item.detailMatches ?? []} />
              </span>
            )}
            {item.shortcut && <kbd className="quick-pick-shortcut">{item.shortcut}</kbd>}
          </li>
        ))}
      </ul>
      <EmptyNote mode={mode} empty={items.length === 0} symbols={symbols} />
    </div>
  );
}

/** Why the list is empty: nothing matches, or the server could not be asked. */
function EmptyNote({
  mode,
  empty,
  symbols,
}: {
  mode: QuickPickMode;
  empty: boolean;
  symbols: SymbolItems;
}) {
  if (mode === 'symbols' && symbols.error !== undefined)
    return (
      <p className="quick-pick-empty" role="alert">
        {symbols.error}
      </p>
    );
  // Symbols are listed only once the server has answered what is typed.
  if (!empty || (mode === 'symbols' && !symbols.answered)) return null;
  return (
    <p className="quick-pick-empty" role="status">
      {EMPTY[mode]}
    </p>
  );
}
