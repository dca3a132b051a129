/**
 * `/ws`: the browser's one socket. The upgrade is authenticated before it happens — a
 * token (`Authorization: Bearer` or `?token=`) or the session cookie, and with the
 * cookie the Origin must be Workcell's own, so another site cannot ride a signed-in
 * browser — and refused with a JSON error otherwise. Heartbeats end dead connections.
 * The language server's socket (languages/routes.ts) shares the server and the checks.
 */
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';

import type { AuthService } from '../auth/service';
import type { CellManager } from '../cells/manager';
import type { FileService } from '../files/service';
import { lspRoute } from '../languages/routes';
import type { LanguageServerService } from '../languages/service';
import type { ServerMetrics } from '../metrics/server-metrics';
import type { TerminalService } from '../terminals/service';
import type { WorkspaceService } from '../workspaces/service';
import { Connection } from './connection';
import { containFailure } from './contain';
import { SignedInSockets } from './signed-in-sockets';
import { upgradeAuthentication } from './upgrade-auth';

/**
 * How often open sockets' sessions are checked against the database, for revocations made
 * by another process: one indexed query a second, whatever the number of sockets.
 */
const SESSION_RECHECK_MS = 1000;

/** Beyond this the socket is closed (1009); below it an oversized message gets an error reply. */
const HARD_MAX_PAYLOAD = 16 * 1024 * 1024;

interface Options {
  auth: AuthService;
  workspaces: WorkspaceService;
  files: FileService;
  cells: CellManager;
  terminals: TerminalService;
  languages: LanguageServerService;
  metrics: ServerMetrics;
  publicUrl: string;
  heartbeatMs: number;
}

export const websocketRoutes: FastifyPluginAsync<Options> = async (app, options) => {
  const authenticate = upgradeAuthentication(options.auth, options.publicUrl);
  const signedIn = new SignedInSockets(options.auth, app.log, SESSION_RECHECK_MS);
  const connections = new Set<Connection>();
  const offFiles = options.files.onChange((event) => {
    for (const connection of connections) connection.onFileChange(event);
  });
  const offCells = options.cells.onEvent((event) => {
    for (const connection of connections) connection.onCellEvent(event);
  });
  app.addHook('onClose', async () => {
    offFiles();
    offCells();
    signedIn[Symbol.dispose]();
  });

  await app.register(websocket, { options: { maxPayload: HARD_MAX_PAYLOAD } });
  // Here because this plugin owns the WebSocket server.
  lspRoute(app, {
    authenticate,
    workspaces: options.workspaces,
    languages: options.languages,
    heartbeatMs: options.heartbeatMs,
    signedIn,
    metrics: options.metrics,
  });

  app.get(
    '/ws',
    {
      websocket: true,
      schema: { hide: true },
      preValidation: authenticate,
    },
    (socket, request) => {
      const connection = new Connection(socket, request.caller!, {
        workspaces: options.workspaces,
        cells: options.cells,
        terminals: options.terminals,
        log: request.log,
      });
      connections.add(connection);
      options.metrics.websocketConnections.inc({ kind: 'app' });
      const untrack = signedIn.add(request.caller!, socket);
      let alive = true;
      const heartbeat = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
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
        connections.delete(connection);
        options.metrics.websocketConnections.dec({ kind: 'app' });
        connection.close();
      });
    },
  );
};
