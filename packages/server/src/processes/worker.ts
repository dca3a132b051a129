/**
 * A worker server process's side of the IPC channel: it serves the connections the
 * primary sends it, hands WebSocket upgrades back (sockets live beside the cells), and
 * asks the primary whether a workspace's cell has synced before answering from the files.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

import type { Registry } from 'prom-client';

import { SYNC_WAIT_MS } from '../cells/manager';
import type { ToPrimary, ToWorker } from './messages';
import { PendingAnswers } from './pending';

export class PrimaryProcess {
  private readonly connectionIds = new WeakMap<Socket, number>();
  private readonly syncs = new PendingAnswers<true>();
  /** Workspaces whose cell runs, as the primary last said. */
  private readonly runningCells = new Set<string>();

  constructor(
    private readonly tell: (message: ToPrimary, socket?: Socket) => void,
    private readonly registry: Registry,
  ) {
    process.once('disconnect', () => this.syncs.abandon());
  }

  /** Takes the primary's connections into `server`, which has no port of its own. */
  serve(server: Server): void {
    process.on('message', (message: ToWorker, socket?: Socket) => {
      if (message.kind === 'connection' && socket) {
        this.connectionIds.set(socket, message.id);
        socket.once('close', () => this.tell({ kind: 'closed', id: message.id }));
        server.emit('connection', socket);
      } else if (message.kind === 'cells') {
        for (const workspaceId of message.running) this.runningCells.add(workspaceId);
        for (const workspaceId of message.stopped) this.runningCells.delete(workspaceId);
      } else if (message.kind === 'synced') {
        this.syncs.answer(message.request, true);
      } else if (message.kind === 'metrics') {
        void this.registry.getMetricsAsJSON().then((metrics) => {
          this.tell({ kind: 'metrics', request: message.request, metrics });
        });
      }
    });
    server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      const id = this.connectionIds.get(socket);
      if (id === undefined) {
        socket.destroy();
        return;
      }
      this.tell(
        { kind: 'upgrade', id, head: requestBytes(request, head).toString('base64') },
        socket,
      );
    });
    this.tell({ kind: 'ready' });
  }

  /** Resolves once the primary's cell of the workspace (if it runs one) has synced. */
  async whenSynced(workspaceId: string): Promise<void> {
    if (!this.runningCells.has(workspaceId)) return;
    // The primary waits SYNC_WAIT_MS at most; beyond that it is gone or stuck.
    await this.syncs.ask(
      (request) => this.tell({ kind: 'whenSynced', request, workspaceId }),
      SYNC_WAIT_MS + 1000,
    );
  }
}

/** The request as its client sent it (header names as written), and what followed it. */
function requestBytes(request: IncomingMessage, head: Buffer): Buffer {
  const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), head]);
}
