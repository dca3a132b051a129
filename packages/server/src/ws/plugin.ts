/**
 * `/ws`: the browser's one socket. The upgrade is authenticated before it happens — a
 * token (`Authorization: Bearer` or `?token=`) or the session cookie, and with the
 * cookie the Origin must be Workcell's own, so another site cannot ride a signed-in
 * browser — and refused with a JSON error otherwise. Heartbeats end dead connections.
 */
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';

import { SESSION_COOKIE } from '../auth/plugin';
import type { AuthService } from '../auth/service';
import type { CellManager } from '../cells/manager';
import { WorkcellError } from '../errors';
import type { FileService } from '../files/service';
import type { TerminalService } from '../terminals/service';
import type { WorkspaceService } from '../workspaces/service';
import { Connection } from './connection';

/** Beyond this the socket is closed (1009); below it an oversized message gets an error reply. */
const HARD_MAX_PAYLOAD = 16 * 1024 * 1024;

interface Options {
  auth: AuthService;
  workspaces: WorkspaceService;
  files: FileService;
  cells: CellManager;
  terminals: TerminalService;
  publicUrl: string;
  heartbeatMs: number;
}

export const websocketRoutes: FastifyPluginAsync<Options> = async (app, options) => {
  const allowedOrigin = new URL(options.publicUrl).origin;
  // The page's own origin is Workcell's whichever name it was opened under (localhost or
  // 127.0.0.1); another site's page cannot send this host's cookie with a matching Origin.
  const isOwnOrigin = (origin: string | undefined, host: string | undefined) =>
    origin !== undefined && (origin === allowedOrigin || hostOf(origin) === host);
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
  });

  await app.register(websocket, { options: { maxPayload: HARD_MAX_PAYLOAD } });

  app.get(
    '/ws',
    {
      websocket: true,
      schema: { hide: true },
      preValidation: async (request) => {
        const { token } = request.query as { token?: string };
        if (!request.caller && token) request.caller = await options.auth.authenticate(token);
        if (!request.caller) throw new WorkcellError('UNAUTHENTICATED');
        const byCookie =
          !request.headers.authorization && !token && request.cookies[SESSION_COOKIE] !== undefined;
        if (byCookie && !isOwnOrigin(request.headers.origin, request.headers.host)) {
          throw new WorkcellError(
            'ORIGIN_REJECTED',
            `Connections signed in by cookie must come from ${allowedOrigin}.`,
          );
        }
      },
    },
    (socket, request) => {
      const connection = new Connection(socket, request.caller!, {
        workspaces: options.workspaces,
        cells: options.cells,
        terminals: options.terminals,
        log: request.log,
      });
      connections.add(connection);
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
        connection.receive(data, isBinary);
      });
      socket.on('close', () => {
        clearInterval(heartbeat);
        connections.delete(connection);
        connection.close();
      });
    },
  );
};

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
