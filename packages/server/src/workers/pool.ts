/**
 * The server's worker threads for work that grows with a request's size (tasks.ts): parsing
 * a 10 MiB JSON body or writing one out takes 30-40 ms, which on the event loop would hold
 * every other user. Small inputs stay on the main thread, where a round trip to a thread
 * would cost more than the work. Owned by the app, closed with it.
 */
import { availableParallelism } from 'node:os';

import { Piscina } from 'piscina';

import type { Tasks } from './tasks';

/** Below this many bytes the work is done where it is asked for. */
export const OFFLOAD_BYTES = 256 * 1024;

export class WorkerPool implements AsyncDisposable {
  private readonly piscina = new Piscina({
    filename: new URL('./bootstrap.mjs', import.meta.url).href,
    minThreads: 0,
    // One core stays the event loop's.
    maxThreads: Math.max(1, availableParallelism() - 1),
    idleTimeout: 30_000,
  });

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
