/**
 * Real cells for the local driver's tests: a driver confined to its own cgroup parent and
 * cells directory (so tests never touch a running server's cells), driven through the
 * server's AgentClient.
 */
import { readdirSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AgentClient } from '../agent-client';
import type { CellLimits, CellSpec } from '../driver';
import { defaultCellLimits } from '../limits';
import { LocalCellDriver, type LocalCell, type LocalDriverOptions } from './local-driver';

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
      for (const driver of drivers) {
        await driver.sweepOrphans(new Set());
        await driver.close();
      }
      // v1 hierarchies are /sys/fs/cgroup/<controller>; a pure v2 host has one at the top.
      for (const hierarchy of ['', ...(await readdir('/sys/fs/cgroup'))]) {
        for (const parent of [cgroupParent, `${cgroupParent}-v2`]) {
          await rmdir(join('/sys/fs/cgroup', hierarchy, parent)).catch(() => undefined);
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The warm pool's spare sandboxes under `cellsDir`: all, or those of the server `serverPid`. */
export function spareNames(cellsDir: string, serverPid?: number): string[] {
  const prefix = serverPid === undefined ? '.spare-' : `.spare-${serverPid}-`;
  return readdirSync(cellsDir).filter((name) => name.startsWith(prefix));
}

/** The user the cells of driver tests belong to (drivers only label with it). */
export const TEST_OWNER = '00000000-0000-4000-8000-000000000001';

/** Node starts slowly at half a core on a busy machine. */
export const READY_TIMEOUT_MS = 30_000;

export function testSpec(workspaceId: string, limits: Partial<CellLimits> = {}): CellSpec {
  return {
    workspaceId,
    ownerId: TEST_OWNER,
    limits: { ...defaultCellLimits(), ...limits },
    blockedCommands: BLOCKED,
  };
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
}

export interface TestCell {
  cell: LocalCell;
  agent: AgentClient;
  /** Runs a bash script as the cell's user, in /app. */
  sh(script: string, timeoutMs?: number): Promise<RunResult>;
  /** What a terminal has printed so far. */
  ptyOutput(ptyId: string): string;
}

let execs = 0;

export async function startTestCell(driver: LocalCellDriver, spec: CellSpec): Promise<TestCell> {
  const cell = await driver.start(spec);
  const agent = new AgentClient(cell.channel);
  await agent.waitReady(READY_TIMEOUT_MS);
  const output = new Map<string, Buffer[]>();
  agent.on('pty.output', ({ ptyId }, body) =>
    output.set(ptyId, [...(output.get(ptyId) ?? []), body]),
  );
  return {
    cell,
    agent,
    ptyOutput: (ptyId) => Buffer.concat(output.get(ptyId) ?? []).toString('utf8'),
    sh: async (script, timeoutMs = 20_000) => {
      const { result, body } = await agent.request(
        {
          op: 'exec.run',
          execId: `t${execs++}`,
          argv: ['/bin/bash', '-c', script],
          timeoutMs,
          maxOutputBytes: 1 << 20,
        },
        undefined,
        timeoutMs + 10_000,
      );
      return {
        stdout: body.subarray(0, result.stdoutBytes).toString(),
        stderr: body.subarray(result.stdoutBytes).toString(),
        exitCode: result.exitCode,
        signal: result.signal,
      };
    },
  };
}

export { waitFor } from '../../test-support/wait';
