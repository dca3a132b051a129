/**
 * The strip along the bottom: connection, the cell's state, the editor's save state,
 * cursor position and the cell's Python version. The parts that change on their own are
 * live regions, so a screen reader hears "Reconnecting" or "Save failed" without looking.
 */
import type { CellState } from '@workcell/protocol';
import { useEffect, useState } from 'react';

import type { ConnectionState, WorkcellSocket } from '../../connection/socket';
import type { EditorStatus } from '../contracts';
import { describeLanguageState, type LanguageState } from '../language/LanguageClient';
import './StatusBar.css';

export interface CellView {
  state: CellState;
  reason?: string;
  progress?: string;
  python?: string;
}

export interface StatusBarProps {
  connection: ConnectionState;
  socket: Pick<WorkcellSocket, 'retryNow' | 'nextAttemptAt'>;
  cell: CellView;
  editor: EditorStatus;
  onRestartCell: () => void;
  /** The Python language server and the Problems list, once it has been started. */
  language?: LanguageStatusView;
}

/** What the language server tells the status bar. */
export interface LanguageServerView {
  state: LanguageState;
  errors: number;
  warnings: number;
  onRetry: () => void;
}

/** …and what the page adds: whether the Problems panel shows, and how to show it. */
export interface LanguageStatusView extends LanguageServerView {
  problemsOpen: boolean;
  onToggleProblems: () => void;
}

export function StatusBar({
  connection,
  socket,
  cell,
  editor,
  onRestartCell,
  language,
}: StatusBarProps) {
  return (
    <footer className="status-bar" aria-label="Status">
      <ConnectionStatus connection={connection} socket={socket} />
      {/* Cut off from the server, the last cell state heard may no longer be true. */}
      {(connection === 'connected' || connection === 'connecting') && (
        <CellStatus cell={cell} onRestartCell={onRestartCell} />
      )}
      {language && <LanguageStatus language={language} />}
      <span className="status-spacer" />
      <SaveStatus editor={editor} />
      {editor.cursor && (
        <span className="status-item status-cursor">
          Ln {editor.cursor.line}, Col {editor.cursor.column}
        </span>
      )}
      {cell.python && <span className="status-item status-python">Python {cell.python}</span>}
    </footer>
  );
}

function ConnectionStatus({ connection, socket }: Pick<StatusBarProps, 'connection' | 'socket'>) {
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (connection !== 'reconnecting') return;
    // The socket does not announce each new attempt; a tick keeps the countdown true.
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [connection]);

  let text: string;
  switch (connection) {
    case 'connected':
      text = '● Connected';
      break;
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'offline':
      text = 'Offline: waiting for the network';
      break;
    case 'reconnecting': {
      const due = socket.nextAttemptAt;
      const seconds = due === undefined ? 0 : Math.ceil((due - now) / 1000);
      text = seconds > 0 ? `Reconnecting in ${seconds} s…` : 'Reconnecting…';
      break;
    }
  }
  return (
    <span className="status-item status-connection" data-state={connection}>
      {/* Only the state is announced, not every second of the countdown. */}
      <span className="visually-hidden" aria-live="polite">
        {connection === 'connected'
          ? 'Connected'
          : connection === 'offline'
            ? 'Offline'
            : connection === 'reconnecting'
              ? 'Connection lost, reconnecting'
              : ''}
      </span>
      <span aria-hidden="true">{text}</span>
      {connection === 'reconnecting' && (
        <button type="button" className="status-button" onClick={socket.retryNow}>
          Retry now
        </button>
      )}
    </span>
  );
}

function CellStatus({ cell, onRestartCell }: Pick<StatusBarProps, 'cell' | 'onRestartCell'>) {
  let text: string;
  let action: string | undefined;
  switch (cell.state) {
    case 'starting':
      text = `⏳ Initializing…${cell.progress ? ` ${cell.progress}` : ''}`;
      break;
    case 'ready':
      text = '✓ Ready';
      break;
    case 'stopping':
      text = 'Stopping…';
      break;
    case 'stopped':
      text = 'Stopped';
      action = 'Start';
      break;
    case 'failed':
      text = `Failed${cell.reason ? `: ${cell.reason}` : ''}`;
      action = 'Retry';
      break;
  }
  return (
    <span className="status-item status-cell" data-state={cell.state}>
      <span aria-live="polite" title={cell.reason}>
        <span className="visually-hidden">Cell: </span>
        {text}
      </span>
      {action && (
        <button
          type="button"
          className="status-button"
          aria-label={`${action} the cell`}
          onClick={onRestartCell}
        >
          {action}
        </button>
      )}
    </span>
  );
}

function SaveStatus({ editor }: { editor: EditorStatus }) {
  const texts: Record<EditorStatus['save'], string> = {
    saving: 'Saving…',
    saved: 'Saved',
    dirty: '● Unsaved',
    failed: `Save failed${editor.saveError ? `: ${editor.saveError}` : ''}`,
    conflict: 'Conflict: the file changed elsewhere',
  };
  const shown = editor.activePath !== undefined || editor.save !== 'saved';
  return (
    <span className="status-item status-save" data-state={editor.save} aria-live="polite">
      {shown ? texts[editor.save] : ''}
    </span>
  );
}

function LanguageStatus({ language }: { language: LanguageStatusView }) {
  const { state, errors, warnings } = language;
  const text = describeLanguageState(state);
  const action =
    state.kind === 'in-use' ? 'Use here' : state.kind === 'failed' ? 'Retry' : undefined;
  return (
    <>
      {text && (
        <span className="status-item status-language" data-state={state.kind}>
          <span aria-live="polite" title={state.kind === 'failed' ? state.message : undefined}>
            {text}
          </span>
          {action && (
            <button
              type="button"
              className="status-button"
              aria-label={`${action}: the Python language server`}
              onClick={language.onRetry}
            >
              {action}
            </button>
          )}
        </span>
      )}
      <button
        type="button"
        className="status-button status-problems"
        aria-expanded={language.problemsOpen}
        onClick={language.onToggleProblems}
      >
        {/* The name is the text itself (what speech users say must be in it): the glyphs
            are read as words. */}
        <span className="visually-hidden">Problems: </span>
        <span aria-hidden="true">⨂ </span>
        {errors}
        <span className="visually-hidden">{errors === 1 ? ' error' : ' errors'}, </span>
        <span aria-hidden="true"> ⚠ </span>
        {warnings}
        <span className="visually-hidden">{warnings === 1 ? ' warning' : ' warnings'}</span>
      </button>
    </>
  );
}
