/**
 * What the load benchmarks (rest, load, idle-cells) share: a Workcell server in a child
 * process of its own (so the load generator does not share its event loop, and
 * `--cpu-prof` profiles the server alone), a scratch PostgreSQL database, the server's
 * CPU time and memory from /proc, and cleanup that also runs on Ctrl+C.
 *
 * Run as the child (startServerProcess forks this file), it starts a live server
 * (test-support/live-server.ts: real cells under a scratch directory and cgroup parent of
 * its own) with the configuration it is given, tells the parent its URL, and closes it,
 * every cell included, on SIGTERM, SIGINT or when the parent goes.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: [
      '--import',
      'tsx',
      ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    ],
    env: { ...process.env, [CHILD_ENV]: JSON.stringify({ label, env: options.env ?? {} }) },
    // The server's log goes nowhere, as to a log collector; its errors stay visible.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  atExit(stop);
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { baseUrl: string }) => resolve(message.baseUrl));
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
  const pid = child.pid!;
  const clockTicks = 100; // USER_HZ on Linux
  return {
    ...apiClient(baseUrl),
    pid,
    baseUrl,
    wsUrl: `${baseUrl.replace('http:', 'ws:')}/ws`,
    rssBytes: () =>
      Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024,
    cpuSeconds: () => {
      // Fields after the command name, which may contain spaces: utime and stime are 14 and 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / clockTicks;
    },
    stop,
  };
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
