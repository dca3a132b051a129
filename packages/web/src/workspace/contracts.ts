/**
 * What the workspace page's panels offer each other. The page owns the layout and the
 * socket; each panel owns its own state and exposes only these handles.
 */
import type { WorkcellSocket } from '../connection/socket';
import type { RunConfig } from './terminal/runConfigurations';

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
  /** Opens the file with the cursor at `line` (and `column`, 1-based), scrolled into view. */
  openAt(path: string, line: number, column?: number): void;
  /** Saves every dirty tab now; resolves when done (rejects if one failed). */
  saveAll(): Promise<void>;
  /** Shows the active file in a second group beside the first as well (Ctrl+\). */
  split(): void;
  /** Moves the active tab into the group on that side (a new one on the right). */
  moveEditor(direction: 'left' | 'right'): void;
  /** Asks which open file to compare the active one with, then shows the two side by side. */
  compareActive(): void;
  /** Shows two files side by side in a tab of their own (opening them), `left` as the original. */
  compare(left: string, right: string): void;
  /** Runs one of the active editor's Monaco actions ("editor.action.quickOutline"…), focused. */
  runEditorAction(id: string): void;
  focus(): void;
}

export interface TerminalHandle {
  /** Runs the workspace file in its own terminal, `Run: <path>` (reused for its next run). */
  runFile(path: string, config: RunConfig): void;
  /** Stops the file's run, if it runs: SIGINT, then SIGKILL after 2 s. */
  stopRun(path: string): void;
  /** Opens a new shell terminal and focuses it. */
  newTerminal(): void;
  /** Opens a new shell terminal in the workspace folder (the root for ''), made active. */
  openIn(folder: string): void;
  focus(): void;
}

export interface FileTreeHandle {
  focus(): void;
}
