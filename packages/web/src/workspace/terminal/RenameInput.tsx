/** The input that replaces a terminal tab while it is renamed (F2 or a double-click). */
import { useRef } from 'react';

import type { TerminalTab } from './session';

export function RenameInput({
  tab,
  onDone,
}: {
  tab: TerminalTab;
  /** The new name, or undefined when cancelled. */
  onDone: (name: string | undefined) => void;
}) {
  const finished = useRef(false);
  const finish = (name: string | undefined) => {
    if (finished.current) return;
    finished.current = true;
    onDone(name);
  };
  return (
    <input
      className="terminal-rename"
      aria-label={`New name for ${tab.name}`}
      defaultValue={tab.name}
      maxLength={60}
      autoFocus
      onFocus={(event) => event.currentTarget.select()}
      onBlur={(event) => finish(event.currentTarget.value)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') finish(event.currentTarget.value);
        else if (event.key === 'Escape') finish(undefined);
      }}
    />
  );
}
