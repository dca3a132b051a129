/**
 * Go to symbol in workspace (Ctrl+T): the functions, classes and variables pyright finds
 * for what is typed, asked for after a pause; Enter or a click opens the chosen one where it
 * is defined. Drawn and driven like the command palette (a combobox over a listbox).
 */
import { useEffect, useId, useRef, useState } from 'react';

import type { WorkspaceSymbol, WorkspaceSymbolSearch } from '../language/workspaceSymbols';
import './QuickPick.css';

/** Typing pauses this long before the server is asked. */
const ASK_DELAY_MS = 150;
const LABEL = 'Go to symbol in workspace';

export interface SymbolPickProps {
  search: WorkspaceSymbolSearch;
  onOpen: (symbol: WorkspaceSymbol) => void;
  onClose: () => void;
}

/** The answer for `query`: what was asked last, or an earlier question still on screen. */
type Found = { query: string } & ({ symbols: WorkspaceSymbol[] } | { error: string });

export function SymbolPick({ search, onOpen, onClose }: SymbolPickProps) {
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found>({ query: '', symbols: [] });
  // Taken before the input's autoFocus moves focus away from it.
  const [opener] = useState(() => document.activeElement);
  const [active, setActive] = useState(0);
  const listId = useId();
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const asked = query.trim();
    if (asked === '') return;
    let live = true;
    const timer = setTimeout(() => {
      search(asked).then(
        (symbols) => live && setFound({ query: asked, symbols }),
        (error: unknown) =>
          live &&
          setFound({ query: asked, error: error instanceof Error ? error.message : String(error) }),
      );
    }, ASK_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query, search]);

  useEffect(() => {
    const clickedOutside = (event: MouseEvent) => {
      if (event.target instanceof Node && !root.current?.contains(event.target)) onClose();
    };
    document.addEventListener('mousedown', clickedOutside, true);
    return () => document.removeEventListener('mousedown', clickedOutside, true);
  }, [onClose]);

  const answered = query.trim() !== '' && found.query === query.trim();
  const symbols = answered && 'symbols' in found ? found.symbols : [];
  const activeIndex = Math.min(active, symbols.length - 1);
  const optionId = (index: number) => `${listId}-option-${index}`;
  const choose = (symbol: WorkspaceSymbol | undefined) => {
    if (!symbol) return;
    onClose();
    onOpen(symbol);
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    const last = symbols.length - 1;
    const keys: Record<string, () => void> = {
      ArrowDown: () => setActive(activeIndex < last ? activeIndex + 1 : 0),
      ArrowUp: () => setActive(activeIndex > 0 ? activeIndex - 1 : last),
      Enter: () => choose(symbols[activeIndex]),
      Escape: () => {
        if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
        onClose();
      },
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    event.stopPropagation();
    action();
  };

  return (
    <div ref={root} className="quick-pick" role="dialog" aria-label={LABEL}>
      <input
        className="quick-pick-input"
        role="combobox"
        aria-label={LABEL}
        aria-expanded="true"
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={symbols.length > 0 ? optionId(activeIndex) : undefined}
        placeholder="Type the name of a function, class or variable"
        autoFocus
        spellCheck={false}
        autoComplete="off"
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} className="quick-pick-list" role="listbox" aria-label={LABEL}>
        {symbols.map((symbol, index) => (
          <li
            key={`${symbol.path}:${symbol.line}:${symbol.column}:${symbol.name}`}
            id={optionId(index)}
            role="option"
            aria-selected={index === activeIndex}
            className="quick-pick-option"
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => choose(symbol)}
          >
            <span className="quick-pick-label">{symbol.name}</span>
            <span className="quick-pick-detail">
              {symbol.container ? `${symbol.container} · ` : ''}
              {symbol.path}:{symbol.line}
            </span>
          </li>
        ))}
      </ul>
      {answered && 'error' in found ? (
        <p className="quick-pick-empty" role="alert">
          {found.error}
        </p>
      ) : (
        answered &&
        symbols.length === 0 && (
          <p className="quick-pick-empty" role="status">
            No matching symbols
          </p>
        )
      )}
    </div>
  );
}
