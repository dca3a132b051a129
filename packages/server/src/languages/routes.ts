/**
 * `GET /api/workspace/:uuid/lsp`, upgraded to a WebSocket: the workspace's Python language
 * server, one JSON-RPC message per text frame (docs/websocket.md, "Language server"). The
 * upgrade is authenticated like /ws, and a workspace that is not the caller's is refused
 * with 404 WORKSPACE_NOT_FOUND before it happens. Registered inside the /ws plugin, which
 * owns the WebSocket server.
 */
import type { WebSocket } from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { ServerMetrics } from '../metrics/server-metrics';
import type { WorkspaceRow } from '../store/schema';
import { containFailure } from '../ws/contain';
import type { SignedInSockets } from '../ws/signed-in-sockets';
import type { WorkspaceService } from '../workspaces/service';
import type { LanguageServerService } from './service';

interface Options {
  authenticate: (request: FastifyRequest) => Promise<void>;
  workspaces: WorkspaceService;
  languages: LanguageServerService;
  heartbeatMs: number;
  signedIn: SignedInSockets;
  metrics: ServerMetrics;
}

export function lspRoute(app: FastifyInstance, options: Options): void {
  // The workspace the upgrade was checked against, for the handler (not a decoration:
  // this plugin's requests are not the workspace routes').
  const workspaces = new WeakMap<FastifyRequest, WorkspaceRow>();
  app.get(
    '/api/workspace/:uuid/lsp',
    {
      websocket: true,
      // Hidden from OpenAPI by @fastify/websocket whatever we say: see docs/websocket.md.
      schema: { hide: true },
      preValidation: async (request) => {
        await options.authenticate(request);
        const { uuid } = request.params as { uuid: string };
        // Throws WORKSPACE_NOT_FOUND for another user's workspace as for a missing one.
        workspaces.set(request, await options.workspaces.getRow(request.caller!.id, uuid));
      },
    },
    (socket: WebSocket, request) => {
      const workspace = workspaces.get(request)!;
      const connection = options.languages.connect(
        workspace.id,
        workspace.owner_id,
        socket,
        request.log,
      );
      options.metrics.websocketConnections.inc({ kind: 'lsp' });
      const untrack = options.signedIn.add(request.caller!, socket);
      let alive = true;
      const heartbeat = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, options.heartbeatMs);
      socket.on('pong', () => (alive = true));
      socket.on('message', (data: Buffer, isBinary) => {
        alive = true;
        containFailure(socket, request.log, () => connection.receive(data, isBinary));
      });
      socket.on('close', () => {
        clearInterval(heartbeat);
        untrack();
        options.metrics.websocketConnections.dec({ kind: 'lsp' });
        connection.closed();
      });
    },
  );
}
