/**
 * Extracting an uploaded zip into a workspace, refused whole or written whole. The event
 * loop only moves bytes: the request body streams to a worker thread (archive-worker.ts)
 * as it arrives, the worker lists and checks the entries, the room they may fill is read
 * from the database, the worker inflates within it, and the files are written in one
 * transaction (FileService.writeMany: quota, revisions and events as for any other write).
 */
import { on } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

import type { Piscina } from 'piscina';

import { WorkcellError } from '../errors';
import { workerPool } from '../workers/pool';
import type { ArchiveTask, FromWorker, ToWorker } from './archive-worker';
import type { FileService, WrittenEntry } from './service';

export const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed'];

/** Threads inflating archives at once; more uploads wait, their bodies unread. */
const IMPORT_THREADS = 2;

export interface ArchiveImportLimits {
  maxEntries: number;
  /** The largest body accepted, compressed. */
  maxBodyBytes: number;
}

export class ArchiveImporter {
  private readonly pool: Piscina<ArchiveTask, undefined>;

  constructor(
    private readonly files: FileService,
    readonly limits: ArchiveImportLimits,
  ) {
    this.pool = workerPool<ArchiveTask, undefined>(
      new URL('./archive-worker.ts', import.meta.url),
      {
        maxThreads: IMPORT_THREADS,
      },
    );
  }

  /**
   * Extracts the zip `body` streams into the workspace under `folder`; answers the rows
   * written. Throws the refusal (PAYLOAD_TOO_LARGE, ARCHIVE_TOO_MANY_ENTRIES, ARCHIVE_INVALID,
   * VALIDATION_FAILED, FILE_TOO_LARGE, WORKSPACE_FULL, …) with nothing written.
   */
  async extract(
    workspaceId: string,
    body: AsyncIterable<Uint8Array>,
    folder: string | undefined,
  ): Promise<WrittenEntry[]> {
    const { port1: port, port2 } = new MessageChannel();
    const abandon = new AbortController();
    const task = this.pool.run(
      {
        port: port2,
        folder,
        maxEntries: this.limits.maxEntries,
        maxFileBytes: this.files.limits.maxFileBytes,
        maxWorkspaceBytes: this.files.limits.maxWorkspaceBytes,
      },
      { transferList: [port2], signal: abandon.signal },
    );
    const worker = new WorkerConversation(port, task);
    try {
      await worker.expect('ready');
      await this.send(body, port);
      const { files } = await worker.expect('listed');
      const room = await this.files.roomFor(workspaceId, files);
      port.postMessage({ type: 'budget', bytes: room } satisfies ToWorker);
      const { entries } = await worker.expect('inflated');
      await task;
      if (entries.length === 0) return [];
      return await this.files.writeMany(workspaceId, entries, { source: 'upload' });
    } finally {
      // A client gone, a body too large or a failure here: the worker stops where it is
      // (ended, it would be replaced by a new thread).
      if (!worker.finished) abandon.abort();
      port.close();
      await task.catch(() => undefined);
    }
  }

  /** The body to the worker as it arrives, each chunk in a buffer of its own (transferred). */
  private async send(body: AsyncIterable<Uint8Array>, port: MessagePort): Promise<void> {
    let received = 0;
    for await (const chunk of body) {
      received += chunk.length;
      if (received > this.limits.maxBodyBytes) throw new WorkcellError('PAYLOAD_TOO_LARGE');
      const bytes = new Uint8Array(chunk);
      port.postMessage({ type: 'chunk', bytes } satisfies ToWorker, [bytes.buffer]);
    }
    port.postMessage({ type: 'end' } satisfies ToWorker);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** The caller's side of the worker's protocol: each answer in turn, or its refusal. */
class WorkerConversation {
  /** The worker has said its last word (refused, or inflated) and is ending by itself. */
  finished = false;
  private readonly messages: AsyncIterator<[FromWorker]>;
  private readonly failed: Promise<never>;

  constructor(
    port: MessagePort,
    private readonly task: Promise<void>,
  ) {
    // Queued until read; ends when the worker closes the port, after its last message.
    this.messages = on(port, 'message', { close: ['close'] }) as AsyncIterator<[FromWorker]>;
    // A worker that fails (or is killed) may never close the port.
    this.failed = task.then(() => new Promise<never>(() => undefined));
    this.failed.catch(() => undefined);
  }

  async expect<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    const next = await Promise.race([this.messages.next(), this.failed]);
    if (next.done) {
      await this.task;
      throw new Error(`the archive worker ended without answering ${type}`);
    }
    const [message] = next.value;
    this.finished = message.type === 'refused' || message.type === 'inflated';
    if (message.type === 'refused') throw new WorkcellError(message.code, message.message);
    if (message.type !== type)
      throw new Error(`the archive worker answered ${message.type}, not ${type}`);
    return message as Extract<FromWorker, { type: T }>;
  }
}
