/**
 * The zip import's worker task (run by the pool in archive-import.ts): everything that
 * costs time in proportion to the archive — walking its directory, checking names,
 * inflating, checksums, hashing — happens on this thread, never the event loop's.
 *
 * It speaks over the port it is given: `ready` (it has a thread; send the body), then
 * receives the body's chunks and `end`, answers `listed` (the paths of the files the
 * archive would write, so the caller can tell how much room they have), receives the
 * `budget`, and answers `inflated` (the entries, their buffers transferred) or, at any
 * step, `refused` (a WorkcellError's code and message).
 */
import { on } from 'node:events';
import type { MessagePort } from 'node:worker_threads';

import type { ErrorCode } from '@workcell/protocol';

import { isWorkcellError } from '../errors';
import { inflateArchive, listArchive, type InflatedEntry } from './archive-reader';

export interface ArchiveTask {
  port: MessagePort;
  folder: string | undefined;
  maxEntries: number;
  maxFileBytes: number;
  maxWorkspaceBytes: number;
}

/** Caller → worker. */
export type ToWorker =
  { type: 'chunk'; bytes: Uint8Array } | { type: 'end' } | { type: 'budget'; bytes: number };

/** Worker → caller. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'listed'; files: string[] }
  | { type: 'inflated'; entries: InflatedEntry[] }
  | { type: 'refused'; code: ErrorCode; message: string };

/** The caller's messages in order (queued until read); rejects once the port closes. */
function receiver(port: MessagePort): () => Promise<ToWorker> {
  const messages = on(port, 'message', { close: ['close'] }) as AsyncIterator<[ToWorker]>;
  return async () => {
    const next = await messages.next();
    if (next.done) throw new Error('the archive import was abandoned');
    return next.value[0];
  };
}

async function receiveBody(receive: () => Promise<ToWorker>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const message = await receive();
    if (message.type === 'end') break;
    if (message.type === 'chunk') {
      chunks.push(message.bytes);
      length += message.bytes.length;
    }
  }
  const data = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return data;
}

export default async function extract(task: ArchiveTask): Promise<void> {
  const { port } = task;
  const send = (message: FromWorker, transfer: ArrayBuffer[] = []) =>
    port.postMessage(message, transfer);
  try {
    const receive = receiver(port);
    send({ type: 'ready' });
    const data = await receiveBody(receive);
    const listed = listArchive(data, task.folder, task.maxEntries);
    send({
      type: 'listed',
      files: listed.filter((entry) => entry.type === 'file').map((entry) => entry.path),
    });
    const budget = await receive();
    if (budget.type !== 'budget') throw new Error(`expected the budget, got ${budget.type}`);
    const entries = inflateArchive(data, listed, {
      maxFileBytes: task.maxFileBytes,
      maxWorkspaceBytes: task.maxWorkspaceBytes,
      budget: budget.bytes,
    });
    send(
      { type: 'inflated', entries },
      entries.flatMap((entry) =>
        entry.type === 'file' ? [entry.bytes.buffer as ArrayBuffer] : [],
      ),
    );
  } catch (error) {
    if (!isWorkcellError(error)) throw error;
    send({ type: 'refused', code: error.code, message: error.message });
  } finally {
    port.close();
  }
}
