/**
 * What the load benchmarks (rest, load, idle-cells) share: a Workcell server in a child
 * process of its own (so the load generator does not share its event loop, and
 * `--cpu-prof` profiles the server alone), a scratch PostgreSQL database, the server's
 * CPU time and memory from /proc, and cleanup that also runs on Ctrl+C.
 *
 * Run as the child (startServerProcess forks this file), it starts a live server
 * (test-support/live-server.ts: real cells under a scratch directory and cgroup parent of
 * its own) with the configuration it is given, tells the parent its URL, and closes it,
 * every cell included, on SIGTERM, SIGINT or when the parent goes. With SERVER_PROCESSES
 * above 1 the child is the server's own entry point (main.ts), which forks its workers;
 * CPU time and memory are then those of all its processes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { DetailedHealth } from '@workcell/protocol';
import pg from 'pg';

import {
  apiClient,
  startLiveServer,
  type ApiClient,
} from '../packages/server/src/test-support/live-server';

const CHILD_ENV = 'WORKCELL_BENCH_SERVER';
/** Where the benchmarks' scratch databases are made; the CI PostgreSQL (trust). */
const POSTGRES = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

export const log = (text: string) => process.stderr.write(`${text}\n`);

const isChild = process.env[CHILD_ENV] !== undefined && process.send !== undefined;
const cleanups: (() => Promise<void>)[] = [];

/** Runs `cleanup` at the end (last registered first), also when the run is interrupted. */
export function atExit(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    await cleanups.pop()!().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  }
}

for (const signal of isChild ? [] : (['SIGINT', 'SIGTERM'] as const)) {
  process.once(signal, () => {
    log(`${signal}: cleaning up…`);
    void runCleanups().finally(() => process.exit(130));
  });
}

/** A database of its own on the local PostgreSQL, dropped by the cleanups. */
export async function scratchDatabase(label: string): Promise<string> {
  const name = `workcell_bench_${label}_${process.pid}`;
  const admin = new pg.Client({ connectionString: `${POSTGRES}/postgres` });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  atExit(async () => {
    const client = new pg.Client({ connectionString: `${POSTGRES}/postgres` });
    await client.connect();
    try {
      await client.query(`drop database if exists ${name} with (force)`);
    } finally {
      await client.end();
    }
  });
  return `${POSTGRES}/${name}`;
}

export interface ServerProcess extends ApiClient {
  pid: number;
  baseUrl: string;
  wsUrl: string;
  /** Resident memory of the server process, bytes. */
  rssBytes(): number;
  /** CPU time (user + system) the server process has used, seconds. */
  cpuSeconds(): number;
  /** Stops the server (and its cells); the CPU profile, if any, is written then. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Configuration the server's environment would hold (DATABASE_URL, CELL_MAX_TOTAL…). */
  env?: Record<string, string>;
  /** Write a V8 CPU profile of the server (node --cpu-prof) into this directory. */
  cpuProfDir?: string | undefined;
}

export async function startServerProcess(
  label: string,
  options: ServerOptions = {},
): Promise<ServerProcess> {
  const execArgv = [
    '--import',
    'tsx',
    ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
  ];
  const env = options.env ?? {};
  const { child, baseUrl } =
    Number(env.SERVER_PROCESSES ?? 1) > 1
      ? await startMain(env, execArgv)
      : await startLive(label, env, execArgv);
  const pid = child.pid!;
  const clockTicks = 100; // USER_HZ on Linux
  return {
    ...apiClient(baseUrl),
    pid,
    baseUrl,
    wsUrl: `${baseUrl.replace('http:', 'ws:')}/ws`,
    rssBytes: () =>
      sum(
        serverPids(pid),
        (p) =>
          Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1]) * 1024,
      ),
    cpuSeconds: () =>
      sum(serverPids(pid), (p) => {
        // Fields after the command name, which may contain spaces: utime and stime are 14 and 15.
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / clockTicks;
      }),
    stop: () => stopChild(child),
  };
}

const sum = (pids: number[], of: (pid: number) => number) =>
  pids.reduce((total, pid) => total + of(pid), 0);

/** The server process and its worker processes (its Node children; cells are not Node's). */
function serverPids(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(' ')
    .filter(Boolean)
    .map(Number)
    .filter((child) => {
      try {
        return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('main.ts');
      } catch {
        return false;
      }
    });
  return [pid, ...children];
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** This file as the child: a live server in it. */
async function startLive(label: string, env: Record<string, string>, execArgv: string[]) {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv,
    env: { ...process.env, [CHILD_ENV]: JSON.stringify({ label, env }) },
    // The server's log goes nowhere, as to a log collector; its errors stay visible.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  atExit(() => stopChild(child));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { baseUrl: string }) => resolve(message.baseUrl));
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
  return { child, baseUrl };
}

/** The server's entry point as the child, as `npm start` runs it, on a scratch DATA_DIR. */
async function startMain(env: Record<string, string>, execArgv: string[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'workcell-bench-'));
  const metricsToken = env.METRICS_TOKEN ?? randomBytes(16).toString('hex');
  const child = fork(
    fileURLToPath(new URL('../packages/server/src/main.ts', import.meta.url)),
    [],
    {
      execArgv,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        DATA_DIR: dataDir,
        AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
        METRICS_TOKEN: metricsToken,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  atExit(async () => {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (!url) return;
      // Its log goes nowhere from here on, as to a log collector.
      child.stdout!.off('data', read).resume();
      resolve(url.replace('localhost', '127.0.0.1'));
    };
    child.stdout!.on('data', read);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
  // The workers start after the port opens; the detailed health report counts them.
  for (;;) {
    const response = await fetch(`${baseUrl}/api/health/detailed`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    const { serverProcesses } = (await response.json()) as DetailedHealth;
    if (serverProcesses.ready === serverProcesses.configured) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, baseUrl };
}

if (isChild) {
  const { label, env } = JSON.parse(process.env[CHILD_ENV]!) as {
    label: string;
    env: Record<string, string>;
  };
  const server = await startLiveServer(label, env);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= server.close().finally(() => process.exit(0));
    return closing;
  };
  process.once('SIGTERM', () => void close());
  process.once('SIGINT', () => void close());
  process.once('disconnect', () => void close());
  process.send!({ baseUrl: server.baseUrl });
}
