/**
 * Real cells for the local driver's tests: a driver confined to its own cgroup parent and
 * cells directory (so tests never touch a running server's cells), and a small client
 * speaking the agent protocol.
 */
import { chmod, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

import {
  encodeFrame,
  FrameDecoder,
  type AgentOp,
  type AgentResult,
} from '@workcell/protocol/agent';

import type { CellLimits, CellSpec, RunningCell } from '../driver';
import { DEFAULT_CELL_LIMITS, LocalCellDriver, type LocalDriverOptions } from './local-driver';
import { hostUidBaseOfSlot } from './uids';

export const BLOCKED = [
  'sudo',
  'su',
  'chmod',
  'chown',
  'reboot',
  'shutdown',
  'ssh',
  'nc',
  'telnet',
  'wget',
  'curl',
  'nohup',
  'crontab',
  'screen',
  'tmux',
  'dd',
  'mount',
  'mkfs',
];

/** Fails (never skips) where the tests cannot run: they need what CI has. */
export function assertCanRunCells(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the local driver tests need root (CI runs them as root): run them with sudo');
  }
}

export interface TestHost {
  dir: string;
  cellsDir: string;
  cgroupParent: string;
  driver(options?: Partial<LocalDriverOptions>): LocalCellDriver;
  dispose(): Promise<void>;
}

/** A scratch cells directory and cgroup parent for one test file. */
export async function createTestHost(name: string): Promise<TestHost> {
  assertCanRunCells();
  const dir = await mkdtemp(join(tmpdir(), `workcell-${name}-`));
  // The cells' unprivileged uids must be able to reach the volumes' mount points.
  await chmod(dir, 0o711);
  const cellsDir = join(dir, 'cells');
  const cgroupParent = `workcell-test-${name}-${process.pid}`;
  const drivers: LocalCellDriver[] = [];
  return {
    dir,
    cellsDir,
    cgroupParent,
    driver: (options = {}) => {
      const driver = new LocalCellDriver({ cellsDir, cgroupParent, ...options });
      drivers.push(driver);
      return driver;
    },
    dispose: async () => {
      for (const driver of drivers) await driver.sweepOrphans(new Set());
      for (const hierarchy of await readdir('/sys/fs/cgroup')) {
        for (const parent of [cgroupParent, `${cgroupParent}-v2`]) {
          await rmdir(join('/sys/fs/cgroup', hierarchy, parent)).catch(() => undefined);
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let nextSlot = 900;

export function testSpec(workspaceId: string, limits: Partial<CellLimits> = {}): CellSpec {
  return {
    workspaceId,
    // High slots keep clear of a development server's cells on the same machine.
    hostUid: hostUidBaseOfSlot(nextSlot++),
    limits: { ...DEFAULT_CELL_LIMITS, ...limits },
    blockedCommands: BLOCKED,
  };
}

type Request = { op: AgentOp } & Record<string, unknown>;

/** Just enough of the agent protocol to drive a cell from a test. */
export class TestAgentClient {
  private readonly decoder = new FrameDecoder();
  private readonly waiting = new Map<
    number,
    (reply: { header: Record<string, unknown>; body: Buffer }) => void
  >();
  private readonly output = new Map<string, Buffer[]>();
  private nextId = 1;
  readonly ready: Promise<void>;

  constructor(private readonly channel: Duplex) {
    let onReady = () => {};
    this.ready = new Promise((resolve) => (onReady = resolve));
    channel.on('data', (chunk: Buffer) => {
      for (const { header, body } of this.decoder.push(chunk)) {
        const h = header as Record<string, unknown>;
        if (h.ev === 'ready') onReady();
        if (h.ev === 'pty.output') {
          const id = String(h.ptyId);
          this.output.set(id, [...(this.output.get(id) ?? []), body]);
        }
        if (typeof h.re === 'number') this.waiting.get(h.re)?.({ header: h, body });
      }
    });
  }

  async request<Op extends AgentOp>(
    request: { op: Op } & Record<string, unknown>,
    body?: Buffer,
  ): Promise<{ result: AgentResult<Op>; body: Buffer }> {
    const reply = await this.send(request, body);
    if (reply.header.ok !== true)
      throw new Error(`${request.op} failed: ${JSON.stringify(reply.header.error)}`);
    return { result: reply.header.result as AgentResult<Op>, body: reply.body };
  }

  send(
    request: Request,
    body?: Buffer,
  ): Promise<{ header: Record<string, unknown>; body: Buffer }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, resolve);
      this.channel.once('close', () =>
        reject(new Error(`the channel closed before ${request.op} was answered`)),
      );
      this.channel.write(encodeFrame({ ...request, id }, body));
    });
  }

  ptyOutput(ptyId: string): string {
    return Buffer.concat(this.output.get(ptyId) ?? []).toString('utf8');
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
}

export interface TestCell {
  cell: RunningCell;
  agent: TestAgentClient;
  /** Runs a bash script as the cell's user, in /app. */
  sh(script: string, timeoutMs?: number): Promise<RunResult>;
}

let execs = 0;

export async function startTestCell(driver: LocalCellDriver, spec: CellSpec): Promise<TestCell> {
  const cell = await driver.start(spec);
  const agent = new TestAgentClient(cell.channel);
  await agent.ready;
  return {
    cell,
    agent,
    sh: async (script, timeoutMs = 20_000) => {
      const { result, body } = await agent.request({
        op: 'exec.run',
        execId: `t${execs++}`,
        argv: ['/bin/bash', '-c', script],
        timeoutMs,
        maxOutputBytes: 1 << 20,
      });
      return {
        stdout: body.subarray(0, result.stdoutBytes).toString(),
        stderr: body.subarray(result.stdoutBytes).toString(),
        exitCode: result.exitCode,
        signal: result.signal,
      };
    },
  };
}

/** Polls `check` until it returns something other than undefined or false. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
