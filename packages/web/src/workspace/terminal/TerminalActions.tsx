/** The terminal panel's toolbar buttons, for the active tab (Stop for a running run). */
import { isRunning, type TerminalTab } from './session';
import { StopButton, ToolButton } from './ToolButton';

export interface TerminalActionsProps {
  active: TerminalTab | undefined;
  findOpen: boolean;
  onNew: () => void;
  onRename: () => void;
  onClose: () => void;
  onStop: () => void;
  onToggleFind: () => void;
  onCopy: () => void;
}

export function TerminalActions({
  active,
  findOpen,
  onNew,
  onRename,
  onClose,
  onStop,
  onToggleFind,
  onCopy,
}: TerminalActionsProps) {
  return (
    <div className="terminal-actions">
      {active?.run && (
        <StopButton className="terminal-action" running={isRunning(active)} onStop={onStop} />
      )}
      <ToolButton
        className="terminal-action"
        label="New terminal"
        title="New terminal"
        onClick={onNew}
      >
        +
      </ToolButton>
      <ToolButton
        className="terminal-action"
        label="Rename terminal"
        title="Rename terminal (F2)"
        disabled={!active}
        onClick={onRename}
      >
        ✎
      </ToolButton>
      <ToolButton
        className="terminal-action"
        label="Close terminal"
        title="Close terminal (ends its shell)"
        disabled={!active}
        onClick={onClose}
      >
        ×
      </ToolButton>
      <ToolButton
        className="terminal-action"
        label="Find in terminal"
        pressed={findOpen}
        title="Find (Ctrl+Shift+F)"
        disabled={!active}
        onClick={onToggleFind}
      >
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <circle cx="6.5" cy="6.5" r="4.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <path d="M10 10l4.5 4.5" stroke="currentColor" strokeWidth="1.6" />
        </svg>
      </ToolButton>
      <ToolButton
        className="terminal-action"
        label="Copy selection"
        title="Copy selection (Ctrl+Shift+C)"
        disabled={!active}
        onClick={onCopy}
      >
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <rect
            x="5"
            y="5"
            width="9"
            height="9"
            rx="1"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.4"
          />
          <path d="M3 11H2V2h9v1" fill="none" stroke="currentColor" strokeWidth="1.4" />
        </svg>
      </ToolButton>
    </div>
  );
}
