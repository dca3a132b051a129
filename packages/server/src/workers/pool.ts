/**
 * Worker threads for work that would hold the event loop (inflating, hashing): a piscina
 * pool running one of the server's TypeScript modules. The server runs its sources
 * through tsx (`node --import tsx`, or vitest), and a worker thread has no loader unless
 * told: each worker imports tsx first. Inheriting `--import tsx` as well (under
 * `node --import tsx`) registers it twice, which is harmless.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';

import { Piscina } from 'piscina';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface WorkerPoolOptions {
  /** Threads at most; tasks beyond wait in the pool's queue. */
  maxThreads?: number;
}

/**
 * A pool over `module` (a URL beside the caller: `new URL('./x-worker.ts', import.meta.url)`),
 * whose default export is the task. No thread starts before the first task, and threads
 * idle for a minute end. The caller owns the pool: `destroy()` it on close.
 */
export function workerPool<Task, Result>(
  module: URL,
  { maxThreads = Math.max(1, availableParallelism() - 1) }: WorkerPoolOptions = {},
): Piscina<Task, Result> {
  return new Piscina<Task, Result>({
    filename: module.href,
    execArgv: [...process.execArgv, '--import', tsxLoader],
    minThreads: 0,
    maxThreads,
    idleTimeout: 60_000,
  });
}
