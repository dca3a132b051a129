/**
 * One terminal tab in the tab strip. A run tab also shows how its run is going: a
 * spinner while it runs, then ✓ or ✗ with the exit code and how long it took.
 */
import type { KeyboardEvent } from 'react';

import { isRunning, type TerminalTab } from './session';

export interface TerminalTabButtonProps {
  tab: TerminalTab;
  selected: boolean;
  onSelect: () => void;
  onRename: () => void;
  onClose: () => void;
  onKeyDown: (event: KeyboardEvent<HTMLButtonElement>) => void;
}

export function TerminalTabButton({
  tab,
  selected,
  onSelect,
  onRename,
  onClose,
  onKeyDown,
}: TerminalTabButtonProps) {
  const state = runState(tab);
  return (
    <button
      type="button"
      role="tab"
      id={`terminal-tab-${tab.id}`}
      className="terminal-tab"
      aria-selected={selected}
      aria-controls={`terminal-panel-${tab.id}`}
      tabIndex={selected ? 0 : -1}
      title={`${tab.name} (double-click or F2 to rename, Delete to close)`}
      onClick={onSelect}
      onDoubleClick={onRename}
      onKeyDown={onKeyDown}
    >
      {state && (
        <span className={`terminal-run-state ${state.kind}`} aria-hidden="true">
          {state.icon}
        </span>
      )}
      <span className="terminal-tab-name">{tab.name}</span>
      {state ? (
        <span className="terminal-tab-mark" data-testid="run-state">
          {' '}
          {state.text}
        </span>
      ) : (
        tab.status === 'exited' && <span className="terminal-tab-mark"> (exited)</span>
      )}
      {/* A mouse shortcut; keyboard and screen reader users have Delete and the
          toolbar's Close button. */}
      <span
        className="terminal-tab-close"
        aria-hidden="true"
        onClick={(event) => {
          event.stopPropagation();
          onClose();
        }}
      >
        ×
      </span>
    </button>
  );
}

function runState(tab: TerminalTab): { kind: string; icon: string; text: string } | undefined {
  if (!tab.run) return undefined;
  if (isRunning(tab)) return { kind: 'running', icon: '●', text: 'running' };
  if (tab.status !== 'exited') return undefined;
  const took = tab.durationMs !== undefined ? ` · ${formatDuration(tab.durationMs)}` : '';
  if (tab.exitCode === 0) return { kind: 'passed', icon: '✓', text: `exit 0${took}` };
  if (tab.exitCode != null)
    return { kind: 'failed', icon: '✗', text: `exit ${tab.exitCode}${took}` };
  if (tab.exitSignal) return { kind: 'failed', icon: '✗', text: `${tab.exitSignal}${took}` };
  return { kind: 'ended', icon: '–', text: 'ended' };
}

/** 0.4 s, 12.3 s, 2 min 5 s. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
