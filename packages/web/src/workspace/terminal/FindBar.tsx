/** Find in the active terminal: incremental while typing, Enter and the arrows move on. */
import type { ISearchOptions } from '@xterm/addon-search';
import { useEffect, useRef, useState } from 'react';

export function FindBar({
  onFind,
  onClose,
}: {
  onFind: (text: string, options: ISearchOptions, backwards: boolean) => boolean;
  onClose: () => void;
}) {
  const [text, setText] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [missing, setMissing] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  /** Typing refines the current match (incremental); Enter and the arrows move on. */
  const find = (backwards: boolean, value = text, matchCase = caseSensitive, typing = false) => {
    setMissing(
      value !== '' && !onFind(value, { caseSensitive: matchCase, incremental: typing }, backwards),
    );
  };

  return (
    <div className="terminal-find" role="search" aria-label="Find in terminal">
      <input
        ref={input}
        type="search"
        className="terminal-find-input"
        aria-label="Find text"
        placeholder="Find"
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          find(false, event.target.value, caseSensitive, true);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            find(event.shiftKey);
          } else if (event.key === 'Escape') {
            event.preventDefault();
            onClose();
          }
        }}
      />
      <button
        type="button"
        className="terminal-action"
        aria-label="Match case"
        aria-pressed={caseSensitive}
        title="Match case"
        onClick={() => {
          setCaseSensitive(!caseSensitive);
          find(false, text, !caseSensitive, true);
        }}
      >
        Aa
      </button>
      <button
        type="button"
        className="terminal-action"
        aria-label="Previous match"
        title="Previous match (Shift+Enter)"
        onClick={() => find(true)}
      >
        ↑
      </button>
      <button
        type="button"
        className="terminal-action"
        aria-label="Next match"
        title="Next match (Enter)"
        onClick={() => find(false)}
      >
        ↓
      </button>
      <span className="terminal-find-result" aria-live="polite">
        {missing ? 'No matches' : ''}
      </span>
      <button
        type="button"
        className="terminal-action"
        aria-label="Close find"
        title="Close (Escape)"
        onClick={onClose}
      >
        ×
      </button>
    </div>
  );
}
