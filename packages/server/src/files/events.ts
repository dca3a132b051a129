import type { ChangeSource, FileType } from '../store/schema';

/** A committed change to a workspace's files, published after the transaction commits. */
export interface FileChangeEvent {
  workspaceId: string;
  path: string;
  type: FileType;
  version: number;
  source: ChangeSource;
  deleted?: boolean;
  /** Set on the new path of a move. */
  movedFrom?: string;
  /** Size and hash of a written file (so a cell can skip writing what it already has). */
  sha256?: string;
  /** The written content, so the cell's sync writes it without reading the row back. */
  content?: Uint8Array;
}

export type FileChangeListener = (event: FileChangeEvent) => void;
