/**
 * A real Workcell server for end-to-end tests and benchmarks: listening on a loopback
 * port, PGlite in memory (or the PostgreSQL of a DATABASE_URL in `env`), real cells
 * (bubblewrap + cgroups) under a scratch directory and its own cgroup parent, so several
 * of these (test files run in parallel, or a server a developer runs) never share cells.
 * Users and workspaces are made through the HTTP API.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';

import { LocalCellDriver } from '../cells/local';
import { loadConfig, type Config } from '../config';
import type { Lookup } from '../egress/policy';
import { buildApp, createServices, type Services } from '../http/app';
import { openDatabase, type DatabaseHandle } from '../store/database';
import { WsClient, type ConnectOptions } from './ws-client';

export interface LiveUser {
  id: string;
  username: string;
  token: string;
  /** `workcell_session=…`, as the register reply set it. */
  cookie: string;
}

/** Users, workspaces and JSON requests through the HTTP API of the server at `baseUrl`. */
export interface ApiClient {
  registerUser(prefix?: string): Promise<LiveUser>;
  createWorkspace(user: LiveUser, name?: string): Promise<string>;
  /** A JSON (or raw) request to the API with the user's token. */
  api(
    user: LiveUser,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; bytes: Buffer }>;
}

export interface LiveServer extends ApiClient {
  app: FastifyInstance;
  services: Services;
  config: Config;
  /** http://127.0.0.1:port */
  baseUrl: string;
  /** ws://127.0.0.1:port/ws */
  wsUrl: string;
  /** The process-unique name this server's cells and cgroups carry. */
  name: string;
  /** The most bytes queued for sending on any of the server's open connections right now. */
  socketBacklog(): number;
  /** A WebSocket signed in as `user` (by bearer token) or with `options`; closed with the server. */
  connect(user: LiveUser | ConnectOptions): Promise<WsClient>;
  close(): Promise<void>;
}

let servers = 0;

/**
 * Starts a server; `env` overrides the configuration (e.g. CELL_IDLE_MINUTES), and
 * `egressLookup` how the cells' egress resolves names.
 */
export async function startLiveServer(
  label: string,
  env: Record<string, string> = {},
  options: { egressLookup?: Lookup } = {},
): Promise<LiveServer> {
  if (process.getuid?.() !== 0)
    throw new Error('these tests start real cells and need root (CI runs them as root)');
  const name = `${label}-${process.pid}-${servers++}`;
  const dir = await mkdtemp(join(tmpdir(), `workcell-${label}-`));
  // The cells' unprivileged uids must reach the volumes' mount points.
  await chmod(dir, 0o711);
  const cgroupParent = `workcell-test-${name}`;
  const driver = new LocalCellDriver({ cellsDir: join(dir, 'cells'), cgroupParent });
  const config = loadConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    DATA_DIR: dir,
    PORT: '0',
    ...env,
  });
  let database: DatabaseHandle | undefined;
  let app: FastifyInstance | undefined;
  let services: Services | undefined;
  const clients: WsClient[] = [];
  const close = async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await app?.close();
    await services?.cells.close();
    await database?.close();
    await driver.sweepOrphans(new Set()).catch(() => undefined);
    for (const hierarchy of await readdir('/sys/fs/cgroup').catch(() => [])) {
      for (const parent of [cgroupParent, `${cgroupParent}-v2`])
        await rmdir(join('/sys/fs/cgroup', hierarchy, parent)).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    database = await openDatabase({
      databaseUrl: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      pgliteDir: 'memory://',
    });
    services = createServices(config, database, driver, options.egressLookup);
    app = await buildApp(services);
    await services.cells.init();
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await close();
    throw error;
  }
  const connections = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    app,
    services,
    config,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    name,
    socketBacklog: () => Math.max(0, ...[...connections].map((socket) => socket.writableLength)),
    async connect(user) {
      const options = 'username' in user ? { token: user.token } : user;
      const client = await WsClient.connect(`ws://127.0.0.1:${port}/ws`, options);
      clients.push(client);
      return client;
    },
    ...apiClient(baseUrl),
    close,
  };
}

export function apiClient(baseUrl: string): ApiClient {
  const request = async (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { status: response.status, json, bytes, headers: response.headers };
  };

  return {
    async registerUser(prefix = 'u') {
      const username = `${prefix}${randomBytes(5).toString('hex')}`.slice(0, 32);
      const response = await request(
        'POST',
        '/api/users/register',
        {},
        {
          username,
          email: `${username}@example.com`,
          password: 'correct horse battery',
        },
      );
      if (response.status !== 201)
        throw new Error(`register failed: ${response.status} ${response.bytes.toString()}`);
      const body = response.json as { user: { id: string }; token: string };
      const cookie = (
        response.headers.getSetCookie().find((c) => c.startsWith('workcell_session=')) ?? ''
      ).split(';', 1)[0]!;
      return { id: body.user.id, username, token: body.token, cookie };
    },
    async createWorkspace(user, workspaceName = 'ws test') {
      const response = await request(
        'POST',
        '/api/sessions/',
        { authorization: `Bearer ${user.token}` },
        { name: workspaceName, template: 'empty' },
      );
      if (response.status !== 201)
        throw new Error(
          `creating a workspace failed: ${response.status} ${response.bytes.toString()}`,
        );
      return (response.json as { uuid: string }).uuid;
    },
    api: (user, method, path, body) =>
      request(method, path, { authorization: `Bearer ${user.token}` }, body),
  };
}
