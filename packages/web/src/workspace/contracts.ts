/**
 * What the workspace page's panels offer each other. The page owns the layout and the
 * socket; each panel owns its own state and exposes only these handles.
 */
import type { WorkcellSocket } from '../connection/socket';

export interface PanelProps {
  workspace: string;
  socket: WorkcellSocket;
}

export type SaveState = 'saved' | 'dirty' | 'saving' | 'failed' | 'conflict';

export interface EditorStatus {
  /** The file in the active tab, if any. */
  activePath: string | undefined;
  save: SaveState;
  /** Why the last save failed, in words for the user. */
  saveError?: string;
  cursor?: { line: number; column: number };
}

export interface EditorHandle {
  open(path: string): void;
  /** Saves every dirty tab now; resolves when done (rejects if one failed). */
  saveAll(): Promise<void>;
  focus(): void;
}

export interface TerminalHandle {
  /** Types `command` and Enter into the active terminal (opening one if none). */
  run(command: string): void;
  focus(): void;
}

export interface FileTreeHandle {
  focus(): void;
}
