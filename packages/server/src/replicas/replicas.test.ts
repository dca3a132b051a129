/**
 * Two server replicas sharing one PostgreSQL database: what happens through one reaches
 * the sockets of the other, and a save made through one reaches the cell the other runs.
 */
import type { ServerMessage } from '@workcell/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { openTestDatabase, type TestDatabase } from '../test-support/api-harness';
import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { waitFor } from '../test-support/wait';
import type { WsClient } from '../test-support/ws-client';

let database: TestDatabase;
let first: LiveServer;
let second: LiveServer;
let user: LiveUser;
let workspace: string;
/** A socket on the second replica watching the workspace. */
let watcher: WsClient;

beforeAll(async () => {
  database = await openTestDatabase('postgres');
  first = await startLiveServer('replica-1', { DATABASE_URL: database.url! });
  second = await startLiveServer('replica-2', { DATABASE_URL: database.url! });
  user = await first.registerUser('replicas');
  workspace = await first.createWorkspace(user);
  watcher = await second.connect(user);
  const from = watcher.mark();
  watcher.send({ type: 'workspace.watch', workspace });
  await watcher.next('cell.status', (m) => m.workspace === workspace, from);
}, 60_000);

afterAll(async () => {
  await first?.close();
  await second?.close();
  await database?.close();
});

const fileUrl = (path: string) => `/api/workspace/${workspace}/file/${path}`;
const changedOn = (socket: WsClient, path: string, from: number) =>
  socket.next('file.changed', (m) => m.workspace === workspace && m.path === path, from);

it('a file saved through one replica reaches a socket on the other', async () => {
  const from = watcher.mark();
  const saved = await first.api(user, 'POST', fileUrl('notes/hello.txt'), {
    content: 'saved through the first replica\n',
  });
  expect(saved.status).toBe(201);
  const event = await changedOn(watcher, 'notes/hello.txt', from);
  expect(event).toMatchObject({ kind: 'file', version: 1, source: 'editor' });
  expect(await changedOn(watcher, 'notes', from)).toMatchObject({ kind: 'folder' });
});

it('a cell started through one replica is reported ready on the other, and what it writes too', async () => {
  const from = watcher.mark();
  expect((await first.api(user, 'POST', `/api/workspace/${workspace}/start`)).status).toBe(200);
  const ready = await watcher.next(
    'cell.status',
    (m): m is Extract<ServerMessage, { type: 'cell.status' }> =>
      m.workspace === workspace && m.state === 'ready',
    from,
  );
  expect(ready.state).toBe('ready');
  const ran = await first.api(user, 'POST', `/api/workspace/${workspace}/run`, {
    code: 'open("from_the_cell.txt", "w").write("written in the cell\\n")',
  });
  expect(ran.status).toBe(200);
  expect(await changedOn(watcher, 'from_the_cell.txt', from)).toMatchObject({
    source: 'terminal',
  });
});

it('a save through the replica without the cell reaches the cell the other one runs', async () => {
  const saved = await second.api(user, 'POST', fileUrl('from_second.py'), {
    content: 'print("saved through the second replica")\n',
  });
  expect(saved.status).toBe(201);
  const cell = first.services.cells.get(workspace)!;
  await waitFor(async () => {
    const read = await cell.agent
      .request({ op: 'fs.read', path: 'from_second.py', maxBytes: 1024 })
      .catch(() => undefined);
    return read?.body.toString() === 'print("saved through the second replica")\n';
  }, 'the save to reach the cell on the first replica');
});

it('the other replica neither starts a second cell for the workspace nor stops it when it starts', async () => {
  const refused = await second.api(user, 'POST', `/api/workspace/${workspace}/start`);
  expect(refused.status).toBe(409);
  expect(refused.json).toMatchObject({ error: { code: 'CELL_ELSEWHERE' } });
  const another = await startLiveServer('replica-3', { DATABASE_URL: database.url! });
  try {
    const cell = await another.api(user, 'GET', `/api/workspace/${workspace}/cell`);
    expect(cell.json).toMatchObject({ state: 'ready' });
  } finally {
    await another.close();
  }
  expect(first.services.cells.get(workspace)).toBeDefined();
});

it('a replica that stops renewing its lease loses the cell: every socket hears it stopped, and another replica starts it', async () => {
  // Reaps (and looks for abandoned cells) five times a second.
  const survivor = await startLiveServer('replica-4', {
    DATABASE_URL: database.url!,
    CELL_IDLE_MINUTES: '0.02',
  });
  try {
    const from = watcher.mark();
    const held = await first.services.cells.record(workspace);
    // As if the first replica had died a while ago: its lease ran out.
    await database.handle.db
      .updateTable('cells')
      .set({ lease_expires_at: new Date(Date.now() - 1000) })
      .where('workspace_id', '=', workspace)
      .execute();
    const stopped = await watcher.next(
      'cell.status',
      (m) => m.workspace === workspace && m.state === 'stopped',
      from,
    );
    expect(stopped).toMatchObject({ reason: 'the server running it stopped answering' });
    const started = await survivor.api(user, 'POST', `/api/workspace/${workspace}/start`);
    expect(started.status).toBe(200);
    const record = await survivor.services.cells.record(workspace);
    expect(record?.state).toBe('ready');
    expect(record?.replica_id).toBeTruthy();
    expect(record?.replica_id).not.toBe(held?.replica_id);
  } finally {
    await survivor.close();
  }
});

it('exactly one replica reaps an idle cell, and every socket hears it once', async () => {
  const idle = { DATABASE_URL: database.url!, CELL_IDLE_MINUTES: '0.02' };
  const [one, other] = [
    await startLiveServer('replica-idle-1', idle),
    await startLiveServer('replica-idle-2', idle),
  ];
  try {
    const quiet = await one.createWorkspace(user, 'quiet');
    const sockets = [await one.connect(user), await other.connect(user)];
    const from = sockets.map((socket) => socket.mark());
    for (const socket of sockets) socket.send({ type: 'workspace.watch', workspace: quiet });
    expect((await one.api(user, 'POST', `/api/workspace/${quiet}/start`)).status).toBe(200);
    const isReaped = (m: ServerMessage) =>
      m.type === 'cell.status' &&
      m.workspace === quiet &&
      m.state === 'stopped' &&
      /idle/.test(m.reason ?? '');
    for (const [i, socket] of sockets.entries()) {
      await socket.next('cell.status', (m) => isReaped(m), from[i]);
    }
    // Both replicas keep ticking for a while: nobody stops it a second time.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const [i, socket] of sockets.entries()) {
      expect(socket.messages.slice(from[i]).filter(isReaped)).toHaveLength(1);
    }
  } finally {
    await one.close();
    await other.close();
  }
});
