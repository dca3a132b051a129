/**
 * Joins this replica's file changes and cell events to the other replicas' (bus.ts): what
 * happens here is sent, batched per turn of the event loop; what happens there reaches
 * this replica's listeners — its sockets, and the sync of a cell running here, which then
 * reads the committed content from the database (content never crosses the bus).
 */
import type { FastifyBaseLogger } from 'fastify';

import type { CellEvent, CellManager } from '../cells/manager';
import type { FileChangeEvent } from '../files/events';
import type { FileService } from '../files/service';
import type { BusTopic, ReplicaBus } from './bus';

export function bridgeReplicas(
  bus: ReplicaBus,
  files: FileService,
  cells: CellManager,
  log: FastifyBaseLogger,
): () => void {
  const fromElsewhere = new WeakSet<object>();
  const outgoing: Record<BusTopic, unknown[]> = { file: [], cell: [] };
  let flushing: NodeJS.Immediate | undefined;
  const send = (topic: BusTopic, message: unknown) => {
    outgoing[topic].push(message);
    flushing ??= setImmediate(() => {
      flushing = undefined;
      for (const topic of ['file', 'cell'] as const) {
        const messages = outgoing[topic].splice(0);
        if (messages.length === 0) continue;
        bus
          .publish(topic, messages)
          .catch((error: unknown) =>
            log.warn({ err: error, topic }, 'changes could not be sent to the other replicas'),
          );
      }
    });
  };
  const stops = [
    files.onChange((event) => {
      if (fromElsewhere.has(event)) return;
      send('file', { ...event, content: undefined });
    }),
    cells.onEvent((event) => {
      if (!fromElsewhere.has(event)) send('cell', event);
    }),
    bus.subscribe('file', (message) => {
      if (!isForAWorkspace(message)) return;
      fromElsewhere.add(message);
      files.announce(message as FileChangeEvent);
    }),
    bus.subscribe('cell', (message) => {
      if (!isForAWorkspace(message)) return;
      fromElsewhere.add(message);
      cells.announce(message as CellEvent);
    }),
  ];
  return () => {
    clearImmediate(flushing);
    for (const stop of stops) stop();
  };
}

/** Other replicas are this deployment's own servers; the shape is checked, not trusted blindly. */
const isForAWorkspace = (message: unknown): message is object =>
  typeof message === 'object' &&
  message !== null &&
  typeof (message as { workspaceId?: unknown }).workspaceId === 'string';
