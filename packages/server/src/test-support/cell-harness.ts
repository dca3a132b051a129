/**
 * Real cells behind the real HTTP stack, for the cell manager, run API and sync tests.
 *
 * Each test file gets its own DATA_DIR and (for apps built in-process) its own cgroup
 * parent, and its apps are built with `createServices`/`buildApp` over a LocalCellDriver
 * confined to them, so files running in parallel never see each other's cells. Also:
 * host-side views of a cell (its processes, cgroups, mount, loop device) to check what it
 * leaves behind, and the real server (main.ts) in a child process for the tests that kill
 * one with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { RunResult } from '@workcell/protocol';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

import { cellTemplate } from '../cells/limits';
import { LocalCellDriver, type LocalDriverOptions } from '../cells/local';
import type { CellEvent } from '../cells/manager';
import { loadConfig } from '../config';
import { buildApp, createServices } from '../http/app';
import type { DatabaseHandle } from '../store/database';
import { bearer, type TestApp, type TestUser } from './api-harness';
import { waitFor } from './wait';

export { waitFor };

/** Where one test file's cells live on the host. */
export interface TestHost {
  /** DATA_DIR of every app of the file. */
  dir: string;
  /** DATA_DIR/cells, where createServices puts the local driver's volumes. */
  cellsDir: string;
  /** The directory under each cgroup hierarchy holding the file's cells. */
  cgroupParent: string;
}

export interface CellTestEnv {
  host: TestHost;
  /** DATA_DIR of every app of this env; cells live in DATA_DIR/cells. */
  dataDir: string;
  /**
   * An app over `database` whose cells are confined to this env; `env` overrides the test
   * configuration (e.g. CELL_IDLE_MINUTES). Its cell manager is initialised (sweep,
   * reaper) and everything is closed by `dispose`.
   */
  buildApp(database: DatabaseHandle, env?: Record<string, string>): Promise<CellTestApp>;
  /** The host uid base the workspace's cell runs under, once it has started. */
  hostUidOf(workspaceId: string): Promise<number | undefined>;
  dispose(): Promise<void>;
}

export interface CellTestApp extends TestApp {
  /** Every cell event since the app was built, in order. */
  events: CellEvent[];
  driver: LocalCellDriver;
  /** Closes the app and stops its cells, as the server does on SIGTERM. */
  close(): Promise<void>;
}

/** Fails (never skips) where real cells cannot run: CI runs these tests as root. */
function assertCanRunCells(): void {
  if (process.getuid?.() !== 0)
    throw new Error('the cell tests need root (CI runs them as root): run them with sudo');
}

/** The cgroup parent of a server started without options, as `spawnServer` starts one. */
export const PRODUCTION_CGROUP_PARENT = 'workcell';

/**
 * A scratch DATA_DIR for one test file. With `sharedCgroupParent`, its cells live in the
 * production cgroup parent, as those of a server started by `spawnServer` do (other
 * servers' cells may be there too: a sweep tells them apart by DATA_DIR).
 */
export async function createCellTestEnv(
  name: string,
  { sharedCgroupParent = false } = {},
): Promise<CellTestEnv> {
  assertCanRunCells();
  const dir = await mkdtemp(join(tmpdir(), `workcell-${name}-`));
  // The cells' unprivileged uids must be able to reach their volumes' mount points.
  await chmod(dir, 0o711);
  const host: TestHost = {
    dir,
    cellsDir: join(dir, 'cells'),
    cgroupParent: sharedCgroupParent
      ? PRODUCTION_CGROUP_PARENT
      : `workcell-test-${name}-${process.pid}`,
  };
  const driver = (warmPool?: LocalDriverOptions['warmPool']) =>
    new LocalCellDriver({ cellsDir: host.cellsDir, cgroupParent: host.cgroupParent, warmPool });
  const apps: CellTestApp[] = [];
  return {
    host,
    dataDir: host.dir,
    async buildApp(database, env = {}) {
      const config = loadConfig({
        LOG_LEVEL: 'silent',
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        DATA_DIR: host.dir,
        ...env,
      });
      // A warm pool only where a test asks for one: it keeps sandboxes running.
      const cellDriver = driver(
        env.CELL_WARM_POOL_SIZE === undefined
          ? undefined
          : { size: config.CELL_WARM_POOL_SIZE, template: cellTemplate(config) },
      );
      const services = createServices(config, database, cellDriver);
      const events: CellEvent[] = [];
      services.cells.onEvent((event) => events.push(event));
      const app = await buildApp(services);
      await app.ready();
      await services.cells.init();
      let closed = false;
      const testApp: CellTestApp = {
        app,
        services,
        config,
        events,
        driver: cellDriver,
        close: async () => {
          if (closed) return;
          closed = true;
          await app.close();
          await services.cells.close();
        },
      };
      apps.push(testApp);
      return testApp;
    },
    hostUidOf: (workspaceId) => driver().hostUidOf(workspaceId),
    async dispose() {
      for (const app of apps) await app.close();
      // Whatever a killed server left: its processes, cgroups, mounts and loop devices.
      await driver().sweepOrphans(new Set());
      for (const hierarchy of sharedCgroupParent ? [] : await readdir('/sys/fs/cgroup')) {
        await rmdir(join('/sys/fs/cgroup', hierarchy, host.cgroupParent)).catch(() => undefined);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---- requests -------------------------------------------------------------------------

export interface CellStatusBody {
  state: string;
  reason: string | null;
  driver: string | null;
  startedAt: string | null;
  lastActivityAt: string | null;
  python: string | null;
}

export async function startCell(
  app: FastifyInstance,
  user: TestUser,
  workspaceId: string,
): Promise<CellStatusBody> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/workspace/${workspaceId}/start`,
    headers: bearer(user),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<CellStatusBody>();
}

export async function cellStatus(
  app: FastifyInstance,
  user: TestUser,
  workspaceId: string,
): Promise<CellStatusBody> {
  const response = await app.inject({
    method: 'GET',
    url: `/api/workspace/${workspaceId}/cell`,
    headers: bearer(user),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<CellStatusBody>();
}

export async function shutdownCell(
  app: FastifyInstance,
  user: TestUser,
  workspaceId: string,
  prefix: '/api/workspace' | '/workspace' = '/api/workspace',
): Promise<{ success: boolean; message: string; cell: CellStatusBody }> {
  const response = await app.inject({
    method: 'POST',
    url: `${prefix}/${workspaceId}/shutdown`,
    headers: bearer(user),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export interface RunRequest {
  path?: string;
  code?: string;
  stdin?: string;
  timeoutMs?: number;
}

/** Runs through the run API and expects it to answer 200. */
export async function run(
  app: FastifyInstance,
  user: TestUser,
  workspaceId: string,
  body: RunRequest,
): Promise<RunResult> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/workspace/${workspaceId}/run`,
    headers: bearer(user),
    payload: body as Record<string, unknown>,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<RunResult>();
}

/** Runs Python code that must succeed; returns its stdout. */
export async function python(
  app: FastifyInstance,
  user: TestUser,
  workspaceId: string,
  code: string,
): Promise<string> {
  const result = await run(app, user, workspaceId, { code });
  expect(result, result.stderr).toMatchObject({ exitCode: 0, timedOut: false });
  return result.stdout;
}

export async function saveFile(
  app: FastifyInstance,
  user: TestUser,
  workspaceId: string,
  path: string,
  content: string,
  encoding: 'utf-8' | 'base64' = 'utf-8',
): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/workspace/${workspaceId}/file/${path}`,
    headers: bearer(user),
    payload: { content, encoding },
  });
  expect([200, 201], response.body).toContain(response.statusCode);
}

// ---- the host's view of a cell ----------------------------------------------------------

/** A process identified beyond its pid (pids are reused). */
export interface HostProcess {
  pid: number;
  startTime: string;
}

const startTimeOf = (pid: number): string | undefined => {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the command name in parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};

/** The pids of those of `processes` still running. */
export const stillRunning = (processes: readonly HostProcess[]): number[] =>
  processes.filter(isLive).map((p) => p.pid);

function isLive({ pid, startTime }: HostProcess): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // A zombie has released everything; reaping it is its parent's (or init's) job.
    return startTimeOf(pid) === startTime && !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

const sandboxNames = new Map<string, string>();

/**
 * What the workspace's cell's cgroups are named: a warm pool's spare's, as the cell's
 * marker says, or the workspace's. Remembered once seen: the marker goes with the cell.
 */
function sandboxName(host: TestHost, workspaceId: string): string {
  const dir = join(host.cellsDir, workspaceId);
  try {
    const marker = JSON.parse(readFileSync(join(dir, 'cell.json'), 'utf8')) as {
      sandbox?: unknown;
    };
    if (typeof marker.sandbox === 'string') sandboxNames.set(dir, marker.sandbox);
  } catch {
    // No marker: the cell is not running, or has not written it yet.
  }
  return sandboxNames.get(dir) ?? workspaceId;
}

/** The cell's cgroups in every hierarchy: the user's, and the agent's beside them. */
const cgroupDirs = (host: TestHost, workspaceId: string) => {
  const name = sandboxName(host, workspaceId);
  return readdirSync('/sys/fs/cgroup')
    .flatMap((hierarchy) =>
      [name, `${name}.agent`].map((part) =>
        join('/sys/fs/cgroup', hierarchy, host.cgroupParent, part),
      ),
    )
    .filter((dir) => existsSync(dir));
};

/** The processes in the workspace's cell, from its cgroups. */
export function cellProcesses(host: TestHost, workspaceId: string): HostProcess[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs(host, workspaceId)) {
    try {
      for (const word of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split(/\s+/))
        if (word !== '') pids.add(Number(word));
    } catch {
      // The cgroup went while we looked.
    }
  }
  return [...pids].flatMap((pid) => {
    const startTime = startTimeOf(pid);
    return startTime === undefined ? [] : [{ pid, startTime }];
  });
}

/**
 * Kills the cell from outside and removes its cgroups, as the kernel's OOM killer, an
 * administrator or another server's sweep would.
 */
export async function killCellFromHost(host: TestHost, workspaceId: string): Promise<void> {
  await waitFor(() => {
    for (const { pid } of cellProcesses(host, workspaceId)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    for (const dir of cgroupDirs(host, workspaceId)) {
      try {
        rmdirSync(dir);
      } catch {
        // Busy until its last process has gone, or removed by the server meanwhile.
      }
    }
    return cgroupDirs(host, workspaceId).length === 0;
  }, 'the cell to be killed');
}

/** A process's argv, for finding one of a cell's processes; empty once it has gone. */
export function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
}

/** A line of /proc/<pid>/status, e.g. `State` or `SigBlk`; undefined once it has gone. */
export function processStatus(pid: number, field: string): string | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return new RegExp(`^${field}:\\s+(.*)$`, 'm').exec(status)?.[1];
  } catch {
    return undefined;
  }
}

export interface Leftovers {
  processes: number[];
  cgroups: string[];
  mounted: boolean;
  loops: string[];
}

export const NOTHING_LEFT: Leftovers = { processes: [], cgroups: [], mounted: false, loops: [] };

/** What remains on the host of the workspace's cell; `seen` are processes it once had. */
export function leftovers(
  host: TestHost,
  workspaceId: string,
  seen: readonly HostProcess[] = [],
): Leftovers {
  const mountPoint = join(host.cellsDir, workspaceId, 'app');
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === mountPoint);
  const loops = readdirSync('/sys/block')
    .filter((device) => device.startsWith('loop'))
    .filter((device) => {
      try {
        return readFileSync(`/sys/block/${device}/loop/backing_file`, 'utf8').startsWith(
          `${join(host.cellsDir, workspaceId)}/`,
        );
      } catch {
        return false;
      }
    });
  return {
    processes: [...seen, ...cellProcesses(host, workspaceId)].filter(isLive).map((p) => p.pid),
    cgroups: cgroupDirs(host, workspaceId),
    mounted,
    loops,
  };
}

// ---- a server in a child process ----------------------------------------------------------

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** stderr so far, for failure messages. */
  output(): string;
  /** Sends the signal and waits until the process has gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts the server as `npm run dev` does (main.ts) on the env's DATA_DIR (PGlite there)
 * and an ephemeral port; resolves once it listens. The env must use the shared cgroup
 * parent, where such a server puts its cells.
 */
export async function spawnServer(
  env: CellTestEnv,
  extraEnv: Record<string, string> = {},
): Promise<ServerProcess> {
  expect(env.host.cgroupParent).toBe(PRODUCTION_CGROUP_PARENT);
  return startServerProcess({ DATA_DIR: env.dataDir, ...extraEnv });
}

/** `npm run dev` as a child process, with `env` over a quiet test configuration. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../main.ts', import.meta.url))],
    {
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        LOG_LEVEL: 'warn',
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the server exited: ${stdout}${stderr}`);
      return /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
    },
    'the server to listen',
    180_000,
  );
  return {
    url,
    child,
    output: () => stdout + stderr,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A JSON request to a server process, with the user's bearer token. */
export async function request(
  server: ServerProcess,
  method: string,
  path: string,
  user?: Pick<TestUser, 'token'>,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(user && bearer(user)),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  }).catch((error: unknown) => {
    const exit = server.child.exitCode ?? server.child.signalCode;
    throw new Error(
      `${method} ${path} failed (server ${exit === null ? 'running' : `exited: ${exit}`}): ${server.output().slice(-3000)}`,
      { cause: error },
    );
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
