import type { CellState } from '@workcell/protocol';

import type { ConnectionState, WorkcellSocket } from '../../connection/socket';
import type { EditorStatus } from '../contracts';

export interface CellView {
  state: CellState;
  reason?: string;
  progress?: string;
  python?: string;
}

export interface StatusBarProps {
  connection: ConnectionState;
  socket: WorkcellSocket;
  cell: CellView;
  editor: EditorStatus;
  onRestartCell: () => void;
}

/** Placeholder: connection, cell, save state, cursor and Python version go here. */
export function StatusBar({ connection, cell }: StatusBarProps) {
  return (
    <footer className="status-bar">
      {connection} · {cell.state}
    </footer>
  );
}
