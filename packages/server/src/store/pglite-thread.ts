/**
 * PGlite on a worker thread. PGlite is PostgreSQL compiled to WebAssembly: in the server's
 * own thread every query runs on the event loop, and writing one 10 MiB file held it for
 * 6-12 s, freezing every user. Here queries cross to a thread of their own as messages
 * (parameters and rows structured-cloned: a 10 MiB file is a copy of a few milliseconds),
 * and a database error comes back with its fields (`code` '23505' and the rest), as PGlite
 * would throw it.
 */
import { Worker } from 'node:worker_threads';

export interface QueryResultRows<R> {
  rows: R[];
  affectedRows?: number;
}

/** What the Kysely dialect needs of an embedded database. */
export interface EmbeddedDatabase {
  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResultRows<R>>;
  close(): Promise<void>;
}

interface Pending {
  resolve(result: QueryResultRows<unknown>): void;
  reject(error: Error): void;
}

type WorkerMessage =
  | { ready: true }
  | { failed: { message: string } }
  | { closed: true }
  | { id: number; rows: unknown[]; affectedRows?: number }
  | { id: number; error: { message: string } & Record<string, unknown> };

export class PGliteThread implements EmbeddedDatabase {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private broken: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: WorkerMessage) => {
      if (!('id' in message)) return;
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if ('error' in message) pending?.reject(Object.assign(new Error(), message.error));
      else pending?.resolve({ rows: message.rows, affectedRows: message.affectedRows });
    });
    const fail = (error: Error) => {
      this.broken ??= error;
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedded database stopped (exit ${code})`)));
  }

  /** Starts the thread and opens the database in `dataDir` (`memory://` for none). */
  static async open(dataDir: string): Promise<PGliteThread> {
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
      workerData: { dataDir },
    });
    const started = await new Promise<WorkerMessage>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if ('failed' in started) {
      await worker.terminate();
      throw new Error(`The embedded database could not open ${dataDir}: ${started.failed.message}`);
    }
    return new PGliteThread(worker);
  }

  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResultRows<R>> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as Pending['resolve'], reject });
      this.worker.postMessage({ id, sql, params });
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.broken) {
        const closed = new Promise((resolve) => this.worker.once('exit', resolve));
        this.worker.postMessage({ close: true });
        await closed;
      }
      await this.worker.terminate();
    })();
    return this.closing;
  }
}
