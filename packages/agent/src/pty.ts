/**
 * Terminals: each PTY runs beside a Screen (screen.ts), a headless xterm that sees all its
 * output, so a client that (re)attaches gets the exact screen from a snapshot and then the
 * live stream. Each session owns its PTY and screen and disposes both; the host owns the
 * sessions.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

import { PTY_FLOW_WINDOW_BYTES, PTY_SCROLLBACK_LINES } from '@workcell/protocol/agent';
import pty from 'node-pty';

import { OutputBatcher } from './batcher';
import { AgentFailure } from './failure';
import { killTree, processTree } from './process-tree';
import { statFields } from './proc-stat';
import { PtyInput } from './pty-input';
import { Screen } from './screen';
import { preferForOomKill } from './settings';

/** Output is coalesced into frames of up to this size... */
export const PTY_OUTPUT_BATCH_BYTES = 64 * 1024;
/** ...or whatever followed a sent frame within this delay, so `yes` makes hundreds of frames, not millions. */
const PTY_OUTPUT_DELAY_MS = 4;
export const MAX_PTYS = 32;
/** How long a closed shell may take to go after SIGHUP before it is killed. */
const CLOSE_GRACE_MS = 2000;
/** How long a stopped program may take to end after SIGINT before its processes are killed. */
export const STOP_GRACE_MS = 2000;

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export interface PtyEvents {
  /** `offset`: where `data` starts in the PTY's output stream (bytes since it opened). */
  output(ptyId: string, data: Buffer, offset: number): void;
  exit(ptyId: string, code: number | null, signal: string | null, durationMs: number): void;
}

export interface PtySpawn {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

class PtySession {
  private readonly screen: Screen;
  private readonly batcher: OutputBatcher;
  private readonly input: PtyInput;
  /** Bytes read from the PTY (the batcher counts those sent as output events). */
  private readBytes = 0;
  /** Output read from the PTY and not yet acknowledged (counted when read, sent or not). */
  private unacked = 0;
  private paused = false;
  private closed = false;
  private killTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly startedAt = performance.now();

  constructor(
    readonly id: string,
    private readonly process: pty.IPty,
    private readonly events: PtyEvents,
    private readonly onGone: () => void,
  ) {
    this.screen = new Screen(process.cols, process.rows, PTY_SCROLLBACK_LINES, () =>
      this.updateReading(),
    );
    this.input = new PtyInput(process);
    this.batcher = new OutputBatcher((data, offset) => events.output(id, data, offset), {
      maxBytes: PTY_OUTPUT_BATCH_BYTES,
      delayMs: PTY_OUTPUT_DELAY_MS,
    });
    // With `encoding: null` node-pty hands out Buffers, whatever its typings say.
    process.onData((data) => this.read(Buffer.isBuffer(data) ? data : Buffer.from(data)));
    process.onExit(({ exitCode, signal }) => this.exited(exitCode, signal));
  }

  get pid(): number {
    return this.process.pid;
  }

  get size(): { cols: number; rows: number } {
    return this.screen.size;
  }

  write(data: Buffer): void {
    this.input.write(data);
  }

  resize(cols: number, rows: number): void {
    this.process.resize(cols, rows);
    this.screen.resize(cols, rows);
  }

  /**
   * Signals the foreground process group, as the terminal driver does for ^C, so the
   * running program gets it even when it reads raw input; the shell if there is none.
   */
  signal(name: NodeJS.Signals): void {
    const group = foregroundGroup(this.process.pid);
    try {
      process.kill(group === undefined ? this.process.pid : -group, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /**
   * SIGINT to the foreground group; 2 s later SIGKILL to whatever of the program's
   * processes is left, those there now (a child may be orphaned meanwhile) and then.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const before = await processTree(this.process.pid);
    this.signal('SIGINT');
    setTimeout(() => {
      void processTree(this.process.pid)
        .then((after) => killTree(new Map([...before, ...after])))
        .catch(() => undefined); // nothing to do about a process we may not kill
    }, STOP_GRACE_MS).unref();
  }

  /** Credits `bytes` of output the server consumed; resumes reading below half the window. */
  ack(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    this.updateReading();
  }

  /** Forgets the output not yet acknowledged, whose receiver is gone, and resumes. */
  forgiveUnacked(): void {
    this.ack(this.unacked);
  }

  /**
   * The screen and up to `scrollback` lines of history as escape sequences, with less
   * history if the JSON-encoded text would exceed `maxBytes`.
   */
  async snapshot(
    scrollback: number | undefined,
    maxBytes: number,
  ): Promise<{ data: string; offset: number }> {
    // The snapshot must hold exactly the output sent up to `offset` (the stream position
    // of the output events): a client attaching with it then takes the live stream from
    // there, with nothing doubled or lost. So send what was read, let the parser catch up
    // and repeat until nothing was read meanwhile — a read may also have been sent at once,
    // as a full batch, and parsed not yet.
    let read: number;
    do {
      read = this.readBytes;
      this.batcher.flush();
      await this.screen.settled();
    } while (this.readBytes !== read && !this.closed);
    let lines = scrollback ?? PTY_SCROLLBACK_LINES;
    for (;;) {
      const data = this.screen.serialize(lines);
      if (lines === 0 || Buffer.byteLength(JSON.stringify(data)) <= maxBytes)
        return { data, offset: this.batcher.sentBytes };
      lines = Math.floor(lines / 2);
    }
  }

  /** Hangs up the shell (killed if it lingers) and drops everything; no more events. */
  close(): void {
    if (this.closed) return;
    this.dispose();
    this.process.kill('SIGHUP');
    this.killTimer = setTimeout(() => this.process.kill('SIGKILL'), CLOSE_GRACE_MS);
    this.killTimer.unref();
  }

  private read(chunk: Buffer): void {
    if (this.closed) return;
    this.screen.write(chunk);
    this.readBytes += chunk.length;
    this.unacked += chunk.length;
    this.updateReading();
    this.batcher.push(chunk);
  }

  /**
   * Stops reading the PTY (the program then blocks on write; input and signals still
   * work) while the server has not acknowledged a window of output, or the screen has too
   * much left to parse; reads again once both are down to half.
   */
  private updateReading(): void {
    if (this.closed) return;
    if (!this.paused && (this.unacked > PTY_FLOW_WINDOW_BYTES || this.screen.backlogged)) {
      this.paused = true;
      this.process.pause();
    } else if (
      this.paused &&
      this.unacked <= PTY_FLOW_WINDOW_BYTES / 2 &&
      !this.screen.backlogged
    ) {
      this.paused = false;
      this.process.resume();
    }
  }

  private exited(exitCode: number, signal: number | undefined): void {
    clearTimeout(this.killTimer);
    if (this.closed) return;
    this.batcher.flush();
    this.dispose();
    const name = signal ? (signalNames.get(signal) ?? `signal ${signal}`) : null;
    const durationMs = Math.round(performance.now() - this.startedAt);
    this.events.exit(this.id, name === null ? exitCode : null, name, durationMs);
  }

  private dispose(): void {
    this.closed = true;
    this.input.dispose();
    this.batcher.dispose();
    this.screen.dispose();
    this.onGone();
  }
}

/** The foreground process group of the terminal whose session `pid` leads (from /proc). */
function foregroundGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const tpgid = Number(statFields(stat)[5]);
    return tpgid > 0 ? tpgid : undefined;
  } catch {
    return undefined;
  }
}

export class PtyHost {
  private readonly sessions = new Map<string, PtySession>();

  constructor(private readonly events: PtyEvents) {}

  open(id: string, cols: number, rows: number, spawn: PtySpawn): number {
    if (this.sessions.has(id))
      throw new AgentFailure('ALREADY_EXISTS', `terminal ${id} is already open`);
    if (this.sessions.size >= MAX_PTYS) {
      throw new AgentFailure('RATE_LIMITED', `at most ${MAX_PTYS} terminals may be open at once`);
    }
    const process = pty.spawn(spawn.file, spawn.args, {
      name: spawn.env.TERM ?? 'xterm-256color',
      cols,
      rows,
      cwd: spawn.cwd,
      env: spawn.env,
      encoding: null,
    });
    // Right after the spawn, before the shell has started anything: children inherit it.
    preferForOomKill(process.pid);
    const session = new PtySession(id, process, this.events, () => {
      if (this.sessions.get(id) === session) this.sessions.delete(id);
    });
    this.sessions.set(id, session);
    return process.pid;
  }

  get(id: string): PtySession {
    const session = this.sessions.get(id);
    if (!session) throw new AgentFailure('TERMINAL_NOT_FOUND', `no terminal ${id}`);
    return session;
  }

  list(): { ptyId: string; pid: number; cols: number; rows: number }[] {
    return [...this.sessions.values()].map((s) => ({ ptyId: s.id, pid: s.pid, ...s.size }));
  }

  /** For a new receiver of the output: see PtySession.forgiveUnacked. */
  forgiveUnacked(): void {
    for (const session of this.sessions.values()) session.forgiveUnacked();
  }

  dispose(): void {
    for (const session of this.sessions.values()) session.close();
  }
}
