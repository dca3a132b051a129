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
