/**
 * Long-running processes with piped stdio (a language server): stdout streams out as
 * output events with flow control like a PTY's, stdin streams in, stderr is drained and
 * its tail reported on exit. Each process runs in its own process group so a kill takes
 * whatever it started too. The host owns the processes and kills them all on dispose,
 * and any it is still starting then.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';

import type { Readable, Writable } from 'node:stream';

import { PROC_FLOW_WINDOW_BYTES } from '@workcell/protocol/agent';

import { OutputBatcher } from './batcher';
import { AgentFailure } from './failure';
import { preferForOomKill } from './settings';

export const MAX_PROCS = 8;
/** Output is coalesced into frames of up to this size or what followed a frame within the delay. */
export const PROC_OUTPUT_BATCH_BYTES = 64 * 1024;
const PROC_OUTPUT_DELAY_MS = 2;
const STDERR_TAIL_BYTES = 4096;

export interface ProcEvents {
  output(procId: string, data: Buffer, offset: number): void;
  exit(procId: string, code: number | null, signal: string | null, stderr: string): void;
}

export interface ProcSpawn {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

class ProcSession {
  private readonly batcher: OutputBatcher;
  private unacked = 0;
  private paused = false;
  private stderrTail = Buffer.alloc(0);
  private exited = false;

  constructor(
    readonly id: string,
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    private readonly events: ProcEvents,
    private readonly onGone: () => void,
  ) {
    this.batcher = new OutputBatcher((data, offset) => events.output(id, data, offset), {
      maxBytes: PROC_OUTPUT_BATCH_BYTES,
      delayMs: PROC_OUTPUT_DELAY_MS,
    });
    child.stdout.on('data', (chunk: Buffer) => this.read(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      const all = Buffer.concat([this.stderrTail, chunk]);
      this.stderrTail = all.subarray(Math.max(0, all.length - STDERR_TAIL_BYTES));
    });
    // EPIPE when it exits with input queued: the exit event says what happened.
    child.stdin.on('error', () => undefined);
    // 'close' (not 'exit') so that the last output has been read before the exit is told.
    child.on('close', (code, signal) => this.done(code, signal));
    child.on('error', () => this.done(null, null));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  write(data: Buffer): void {
    // A process that stops reading must not make the agent buffer without bound.
    if (this.child.stdin.writableLength > PROC_FLOW_WINDOW_BYTES) {
      throw new AgentFailure('RATE_LIMITED', `process ${this.id} is not reading its input`);
    }
    this.child.stdin.write(data);
  }

  ack(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.unacked <= PROC_FLOW_WINDOW_BYTES / 2) {
      this.paused = false;
      this.child.stdout.resume();
    }
  }

  kill(): void {
    if (this.child.pid === undefined || this.exited) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  private read(chunk: Buffer): void {
    this.unacked += chunk.length;
    if (!this.paused && this.unacked > PROC_FLOW_WINDOW_BYTES) {
      this.paused = true;
      this.child.stdout.pause();
    }
    this.batcher.push(chunk);
  }

  private done(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    this.batcher.flush();
    this.batcher.dispose();
    this.onGone();
    this.events.exit(this.id, code, signal, this.stderrTail.toString('utf8'));
  }
}

export class ProcHost {
  private readonly sessions = new Map<string, ProcSession>();
  private disposed = false;

  constructor(private readonly events: ProcEvents) {}

  async spawn(id: string, spec: ProcSpawn): Promise<number> {
    if (this.disposed) throw new AgentFailure('CELL_UNAVAILABLE', 'processes are being stopped');
    if (this.sessions.has(id))
      throw new AgentFailure('ALREADY_EXISTS', `process ${id} is already running`);
    if (this.sessions.size >= MAX_PROCS) {
      throw new AgentFailure('RATE_LIMITED', `at most ${MAX_PROCS} processes may run at once`);
    }
    const [file = '', ...args] = spec.argv;
    const child = spawn(file, args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // its own group, so killing it never reaches the agent's
    });
    // A missing program fails asynchronously: wait for the spawn to know which it is.
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(new AgentFailure('NOT_FOUND', `${file}: ${error.message}`)),
      );
    });
    // Like user code: the kernel's OOM killer takes it before the agent.
    preferForOomKill(child.pid);
    const session = new ProcSession(id, child, this.events, () => {
      if (this.sessions.get(id) === session) this.sessions.delete(id);
    });
    this.sessions.set(id, session);
    if (this.disposed) session.kill();
    return session.pid;
  }

  get(id: string): ProcSession {
    const session = this.sessions.get(id);
    if (!session) throw new AgentFailure('NOT_FOUND', `no running process ${id}`);
    return session;
  }

  dispose(): void {
    this.disposed = true;
    for (const session of this.sessions.values()) session.kill();
  }
}
