/**
 * One terminal tab as the browser sees it, and what the model needs of the socket and of
 * a rendered screen: the pieces `TerminalSessions` (sessions.ts) is made of.
 */
import type { ClientMessage, ServerMessage } from '@workcell/protocol';

import type { ConnectionState } from '../../connection/socket';
import type { RunConfig } from './runConfigurations';

/** What the model needs of the socket (a `WorkcellSocket`). */
export interface SessionSocket {
  readonly state: ConnectionState;
  send(message: ClientMessage): boolean;
  onMessage(listener: (message: ServerMessage) => void): () => void;
  onOpen(listener: () => void): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
}

/** What the model needs of a rendered terminal (an xterm.js `Terminal`). */
export interface TerminalScreen {
  readonly cols: number;
  readonly rows: number;
  /** Clears screen and scrollback, in order with the writes before it. */
  reset(): void;
  /** `rendered` runs once the data is on screen (xterm parses writes asynchronously). */
  write(data: string, rendered?: () => void): void;
}

export type TerminalStatus =
  /** Not on screen yet, or never connected. */
  | 'idle'
  /** `terminal.open` sent; the cell may be starting. */
  | 'opening'
  | 'attached'
  /** The socket is down; typing is discarded until it is back. */
  | 'disconnected'
  | 'exited'
  | 'error';

export interface TerminalTab {
  id: string;
  name: string;
  status: TerminalStatus;
  /** A run terminal: it runs this workspace file, and ends with it. */
  run?: { path: string };
  exitCode?: number | null;
  exitSignal?: string | null;
  /** How long the run took, once it ended. */
  durationMs?: number;
  error?: { code: string; message: string };
}

/** A run tab whose program has not ended (it may still be starting). */
export function isRunning(tab: TerminalTab): boolean {
  return tab.run !== undefined && (tab.status === 'opening' || tab.status === 'attached');
}

export interface TerminalsSnapshot {
  tabs: readonly TerminalTab[];
  activeId: string | undefined;
}

/** Acks go out once this many characters are rendered, or shortly after the last write. */
const ACK_BATCH_CHARS = 8 * 1024;
const ACK_FLUSH_MS = 50;

export class Session {
  screen: TerminalScreen | undefined;
  /** Bumped at every open: acks and writes of an earlier attachment are void. */
  generation = 0;
  unacked = 0;
  ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** The run to start at the next open (a new run tab's, until it is opened). */
  pendingRun: ({ path: string } & RunConfig) | undefined;
  /** The workspace folder a new shell starts in, until it is opened. */
  pendingCwd: string | undefined;

  constructor(public tab: TerminalTab) {}

  /** `terminal.opened`: the replay shows everything up to now. */
  opened(replay: string): void {
    // A later open supersedes an earlier one (its replay shows everything since).
    this.resetFlow();
    this.screen?.reset();
    this.screen?.write(replay);
    this.pendingRun = undefined;
    this.pendingCwd = undefined;
    this.patch({ status: 'attached', exitCode: undefined, exitSignal: undefined });
  }

  output(data: string, socket: SessionSocket): void {
    const generation = this.generation;
    this.screen?.write(data, () => {
      if (this.generation === generation) this.rendered(socket, data.length);
    });
  }

  exited(code: number | null, signal: string | null, durationMs: number | undefined): void {
    this.resetFlow();
    this.screen?.write(exitNotice(this.tab, code, signal));
    this.patch({
      status: 'exited',
      exitCode: code,
      exitSignal: signal,
      ...(durationMs !== undefined && { durationMs }),
    });
  }

  /** An error the server reported about this terminal. */
  failed(error: { code: string; message: string }): void {
    this.generation++;
    // A run that ended while nobody watched, forgotten since: its tab stays, ended, until run again.
    if (this.tab.run && !this.pendingRun && error.code === 'TERMINAL_NOT_FOUND') {
      this.screen?.write('\x1b[2m[this run has ended]\x1b[0m\r\n');
      this.patch({ status: 'exited', exitCode: null, exitSignal: null });
      return;
    }
    // A folder that could not be opened (gone meanwhile): a retry starts at the root.
    this.pendingCwd = undefined;
    this.patch({ status: 'error', error });
  }

  patch(patch: Partial<TerminalTab>): void {
    this.tab = { ...this.tab, ...patch };
  }

  /** A new attachment (or none): acks and writes of the last one are void. */
  resetFlow(): void {
    this.generation++;
    clearTimeout(this.ackTimer);
    this.unacked = 0;
  }

  /** Flow control: tell the server what is on screen, in batches. */
  private rendered(socket: SessionSocket, chars: number): void {
    this.unacked += chars;
    clearTimeout(this.ackTimer);
    if (this.unacked >= ACK_BATCH_CHARS) this.ack(socket);
    else this.ackTimer = setTimeout(() => this.ack(socket), ACK_FLUSH_MS);
  }

  private ack(socket: SessionSocket): void {
    if (this.unacked === 0 || this.tab.status !== 'attached') return;
    socket.send({ type: 'terminal.ack', terminalId: this.tab.id, chars: this.unacked });
    this.unacked = 0;
  }
}

/** What the screen says when the terminal's process ended. */
export function exitNotice(tab: TerminalTab, code: number | null, signal: string | null): string {
  const how = code !== null ? `code ${code}` : `signal ${signal ?? 'unknown'}`;
  if (!tab.run)
    return `\r\n\x1b[2m[process exited with ${how}] — press Enter to restart\x1b[0m\r\n`;
  return `\r\n\x1b[2m[${tab.run.path} exited with ${how}]\x1b[0m\r\n`;
}
