/**
 * `SERVER_PROCESSES=2` on PostgreSQL: a real server process and the worker it forks,
 * real cells. Connections are dealt out in turn, so consecutive fresh connections reach
 * both processes; whatever one reaches, the user sees one server.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DetailedHealth } from '@workcell/protocol';

import { openTestDatabase, type TestDatabase } from '../test-support/api-harness';
import {
  createCellTestEnv,
  spawnServer,
  waitFor,
  type CellTestEnv,
  type ServerProcess,
} from '../test-support/cell-harness';
import { apiClient, type ApiClient, type LiveUser } from '../test-support/live-server';
import { WsClient, type TerminalView } from '../test-support/ws-client';

const AUTH_LIMIT = 6;
const METRICS_TOKEN = 'processes-test-metrics-token';
const CONNECTION_LIMIT = 20;

let env: CellTestEnv;
let database: TestDatabase;
let server: ServerProcess;
let api: ApiClient;
let user: LiveUser;
let workspace: string;
const sockets: WsClient[] = [];

beforeAll(async () => {
  env = await createCellTestEnv('processes', { sharedCgroupParent: true });
  database = await openTestDatabase('postgres');
  server = await spawnServer(env, {
    DATABASE_URL: database.url!,
    SERVER_PROCESSES: '2',
    AUTH_RATE_LIMIT_PER_MINUTE: String(AUTH_LIMIT),
    MAX_CONNECTIONS_PER_ADDRESS: String(CONNECTION_LIMIT),
    METRICS_TOKEN,
  });
  api = apiClient(server.url);
  await everyProcessServing();
  user = await api.registerUser('processes');
  workspace = await api.createWorkspace(user);
}, 240_000);

afterAll(async () => {
  for (const socket of sockets) await socket.close();
  await server?.kill('SIGTERM');
  await database?.close();
  await env?.dispose();
});

const port = () => Number(new URL(server.url).port);

/** Until the detailed health report says the worker serves too (it starts after the port opens). */
async function everyProcessServing(): Promise<void> {
  await waitFor(async () => {
    const response = await fetch(`${server.url}/api/health/detailed`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const { serverProcesses, status } = (await response.json()) as DetailedHealth;
    return serverProcesses.ready === 2 && serverProcesses.configured === 2 && status === 'ok';
  }, 'the worker to serve');
}

/** One request on a connection of its own, so that the next one is dealt to the next process. */
function onNewConnection(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port: port(), method, path, agent: false, headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const asUser = () => ({ authorization: `Bearer ${user.token}` });

/** `count` listings, each on a connection of its own: half of them reach each process. */
async function listOnNewConnections(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const listing = await onNewConnection('GET', `/api/workspace/${workspace}/files`, asUser());
    expect(listing.status).toBe(200);
  }
}

/** A connection from an address of its own, so that only the test's own are counted. */
async function connectFrom(localAddress: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: port(), localAddress });
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** How many of the server's connections from `from` (IPv4) process `pid` holds open. */
function connectionsHeld(pid: number, from: string): number {
  const hex = (address: string) =>
    address
      .split('.')
      .map((byte) => Number(byte).toString(16).toUpperCase().padStart(2, '0'))
      .reverse()
      .join('');
  const serverEnd = `${hex('127.0.0.1')}:${port().toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set(
    readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1] === serverEnd && f[2]?.startsWith(`${hex(from)}:`) && f[3] === '01')
      .map((f) => f[9]!),
  );
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return inodes.has(
        /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '',
      );
    } catch {
      return false;
    }
  }).length;
}

/** Opens `count` connections from `from`; resolves once the primary and `worker` hold half each. */
async function dealtInTurn(worker: number, from: string, count: number): Promise<void> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) sockets.push(await connectFrom(from));
  try {
    await waitFor(
      () =>
        connectionsHeld(worker, from) === count / 2 &&
        connectionsHeld(server.child.pid!, from) === count / 2,
      'the connections to be dealt out in turn',
    );
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** The worker the server forked: its only child running the same entry point. */
function workerPid(): number | undefined {
  const children = readFileSync(
    `/proc/${server.child.pid}/task/${server.child.pid}/children`,
    'utf8',
  )
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  return children.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('main.ts');
    } catch {
      return false;
    }
  });
}

async function connectSocket(): Promise<WsClient> {
  const socket = await WsClient.connect(`${server.url.replace('http', 'ws')}/ws`, {
    token: user.token,
  });
  sockets.push(socket);
  return socket;
}

describe('two server processes on one port', () => {
  it('counts sign-in attempts once for both processes, by the address the client connected from', async () => {
    // The registration in beforeAll was the first attempt. Each claims another address:
    // the primary believes X-Forwarded-For only from its workers.
    const statuses: number[] = [];
    for (let attempt = 2; attempt <= AUTH_LIMIT + 1; attempt++) {
      const response = await onNewConnection(
        'POST',
        '/api/users/login',
        { 'content-type': 'application/json', 'x-forwarded-for': `10.0.0.${attempt}` },
        JSON.stringify({ username: 'nobody', password: 'wrong' }),
      );
      statuses.push(response.status);
    }
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('serves files from both processes, and counts every request once in its metrics', async () => {
    const counted = async (route: string) => {
      const scraped = await onNewConnection('GET', '/metrics', {
        authorization: `Bearer ${METRICS_TOKEN}`,
      });
      const line = scraped.text
        .split('\n')
        .find(
          (text) =>
            text.startsWith('workcell_http_request_duration_seconds_count{') &&
            text.includes(`route="${route}"`) &&
            text.includes('method="GET"') &&
            text.includes('status="200"'),
        );
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const files = '/api/workspace/:uuid/files';
    const sessions = '/api/sessions';
    const worker = workerPid();
    expect(worker).toBeDefined();
    const [filesBefore, sessionsBefore] = [await counted(files), await counted(sessions)];
    await dealtInTurn(worker!, '127.0.0.3', 10);
    await listOnNewConnections(400);
    // The workspace list is the primary's: a worker relays it and leaves the count to it.
    for (let i = 0; i < 10; i++) {
      expect((await onNewConnection('GET', '/api/sessions/', asUser())).status).toBe(200);
    }
    expect((await counted(files)) - filesBefore).toBe(400);
    expect((await counted(sessions)) - sessionsBefore).toBe(10);
  });

  it('gives every socket a working terminal, whichever process its connection reached, and saves made through either reach the cell', async () => {
    const terminals: TerminalView[] = [];
    for (let i = 0; i < 4; i++) {
      const socket = await connectSocket();
      terminals.push(await socket.open(workspace, { render: false }));
    }
    for (const [i, terminal] of terminals.entries()) {
      expect(await terminal.run(`echo terminal-$((${i} + 40))`)).toContain(`terminal-${i + 40}`);
    }
    for (let i = 0; i < 4; i++) {
      const saved = await onNewConnection(
        'POST',
        `/api/workspace/${workspace}/file/saved-${i}.txt`,
        { ...asUser(), 'content-type': 'application/json' },
        JSON.stringify({ content: `saved through connection ${i}\n` }),
      );
      expect(saved.status).toBe(201);
    }
    await waitFor(async () => {
      const text = await terminals[0]!.run('cat saved-*.txt');
      return [0, 1, 2, 3].every((i) => text.includes(`saved through connection ${i}`));
    }, 'the saves in the cell');
  });

  it('answers a listing from either process with what the cell wrote', async () => {
    const ran = await api.api(user, 'POST', `/api/workspace/${workspace}/run`, {
      code: 'open("written-by-run.txt", "w").write("x")',
    });
    expect(ran.status).toBe(200);
    const list = () => onNewConnection('GET', `/api/workspace/${workspace}/files`, asUser());
    await waitFor(async () => (await list()).text.includes('written-by-run.txt'), 'the sync');
    for (let i = 0; i < 2; i++) {
      expect((await list()).text).toContain('written-by-run.txt');
    }
  });

  it('limits connections per address across both processes, and frees them as they close', async () => {
    const open = () => connectFrom('127.0.0.2');
    const closedBy = (socket: Socket, ms: number) =>
      new Promise<boolean>((resolve) => {
        if (socket.destroyed) resolve(true);
        socket.once('close', () => resolve(true));
        setTimeout(() => resolve(false), ms);
      });
    const first: Socket[] = [];
    for (let i = 0; i < CONNECTION_LIMIT; i++) first.push(await open());
    const over = await open();
    expect(await closedBy(over, 2000)).toBe(true);
    expect((await Promise.all(first.map((socket) => closedBy(socket, 200)))).some(Boolean)).toBe(
      false,
    );
    for (const socket of first) socket.destroy();
    await waitFor(async () => {
      const again = await open();
      const refused = await closedBy(again, 300);
      again.destroy();
      return !refused;
    }, 'the connections to be freed');
    const second: Socket[] = [];
    for (let i = 0; i < CONNECTION_LIMIT - 1; i++) second.push(await open());
    expect((await Promise.all(second.map((socket) => closedBy(socket, 300)))).some(Boolean)).toBe(
      false,
    );
    for (const socket of second) socket.destroy();
  });

  it('forks a worker that died again, and serves meanwhile', { timeout: 120_000 }, async () => {
    const dead = workerPid()!;
    process.kill(dead, 'SIGKILL');
    const replacement = await waitFor(() => {
      const pid = workerPid();
      return pid !== undefined && pid !== dead ? pid : undefined;
    }, 'a new worker');
    // Meanwhile the primary serves every connection.
    await listOnNewConnections(10);
    await everyProcessServing();
    await dealtInTurn(replacement, '127.0.0.4', 10);
    await listOnNewConnections(10);
  });
});
