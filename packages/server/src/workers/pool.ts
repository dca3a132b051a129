/**
 * Worker threads for work that would hold the event loop (inflating, hashing, parsing and
 * writing out big JSON): piscina pools running the server's TypeScript modules. The server runs its sources
 * through tsx (`node --import tsx`, or vitest), and a worker thread has no loader unless
 * told: each worker imports tsx first. Inheriting `--import tsx` as well (under
 * `node --import tsx`) registers it twice, which is harmless.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';

import { Piscina } from 'piscina';

import type { Tasks } from './tasks';

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

/** Below this many bytes work is done where it is asked for: a thread's round trip costs more. */
export const OFFLOAD_BYTES = 256 * 1024;

interface Call {
  task: keyof Tasks;
  input: unknown;
}

/**
 * The app's pool for the tasks of tasks.ts (a 10 MiB JSON body is 35 ms of JSON.parse,
 * writing one out 30 ms: on the event loop every other user would wait them out).
 * Owned by the app, closed with it.
 */
export class WorkerPool implements AsyncDisposable {
  private readonly piscina = workerPool<Call, unknown>(new URL('./tasks.ts', import.meta.url));

  /**
   * Runs `task` on a pool thread. `transfer` hands those buffers over without copying (the
   * caller must not use them afterwards).
   */
  run<K extends keyof Tasks>(
    task: K,
    input: Parameters<Tasks[K]>[0],
    transfer: ArrayBuffer[] = [],
  ): Promise<ReturnType<Tasks[K]>> {
    return this.piscina.run({ task, input }, { transferList: transfer }) as Promise<
      ReturnType<Tasks[K]>
    >;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.piscina.destroy();
  }
}
