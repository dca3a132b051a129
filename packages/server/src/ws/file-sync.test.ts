/**
 * Live file sync seen from the browser's side: programs in a terminal change files, and
 * another socket watching the workspace hears `file.changed` while the API serves the new
 * content; editor saves meet terminal changes with a 409, never a silent overwrite.
 */
import type { ServerMessage } from '@workcell/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { waitFor } from '../test-support/wait';
import { marker, WsClient, type TerminalView } from '../test-support/ws-client';

let server: LiveServer;
let user: LiveUser;
let workspace: string;
let terminal: TerminalView;
/** A second tab: watches the workspace, opens no terminal. */
let watcher: WsClient;
/** What the watcher heard of the cell when it started watching. */
let watched: Extract<ServerMessage, { type: 'cell.status' }>;

const fileUrl = (path: string) => `/api/workspace/${workspace}/file/${path}`;

/** The next `file.changed` for `path` on the watching socket, from message index `from`. */
const changed = (path: string, from: number, match: { deleted?: boolean } = {}) =>
  watcher.next(
    'file.changed',
    (m) =>
      m.workspace === workspace &&
      m.path === path &&
      (m.deleted ?? false) === (match.deleted ?? false),
    from,
  );

beforeAll(async () => {
  server = await startLiveServer('ws-sync');
  user = await server.registerUser('sync');
  workspace = await server.createWorkspace(user);
  const tab = await server.connect(user);
  terminal = await tab.open(workspace);
  await WsClient.prompt(terminal);
  watcher = await server.connect(user);
  const from = watcher.mark();
  watcher.send({ type: 'workspace.watch', workspace });
  watched = await watcher.next('cell.status', (m) => m.workspace === workspace, from);
});

afterAll(async () => {
  await server?.close();
});

it("watching a workspace whose cell runs says it is ready, with the cell's Python version", () => {
  expect(watched.state).toBe('ready');
  expect(watched.python).toMatch(/^3\.\d+\.\d+$/);
});

it('a file python writes three folders deep reaches the database and another socket', async () => {
  const from = watcher.mark();
  await terminal.run(
    `python3 -c "import os; os.makedirs('a/b/c', exist_ok=True); open('a/b/c/deep.txt', 'w').write('hello from python\\n')"`,
  );
  const event = await changed('a/b/c/deep.txt', from);
  expect(event).toMatchObject({ kind: 'file', source: 'terminal', version: 1 });
  // Its folders came along, as folders.
  for (const folder of ['a', 'a/b', 'a/b/c']) {
    expect((await changed(folder, from)).kind).toBe('folder');
  }
  const response = await server.api(user, 'GET', fileUrl('a/b/c/deep.txt'));
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({
    content: 'hello from python\n',
    encoding: 'utf-8',
    version: event.version,
  });
});

it('a binary file written in the cell round-trips byte-exact', async () => {
  // Every byte value, NULs, CR/LF and invalid UTF-8, past one 64 KiB frame.
  const expected = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7 + 3) % 256));
  const from = watcher.mark();
  await terminal.run(
    `python3 -c "open('blob.bin', 'wb').write(bytes((i * 7 + 3) % 256 for i in range(70000)))"`,
  );
  await changed('blob.bin', from);
  const raw = await server.api(user, 'GET', `/api/workspace/${workspace}/raw/blob.bin`);
  expect(raw.status).toBe(200);
  expect(raw.bytes.length).toBe(expected.length);
  expect(raw.bytes.equals(expected)).toBe(true);
  // And back: the same bytes saved through the API are what the cell reads.
  const upload = await server.api(user, 'POST', fileUrl('blob-copy.bin'), {
    content: expected.toString('base64'),
    encoding: 'base64',
  });
  expect(upload.status).toBe(201);
  const same = marker('same');
  await waitForShell(`cmp -s blob.bin blob-copy.bin && ${same.command}`, same.text);
});

it('a delete in the cell propagates: file.changed deleted, the row gone', async () => {
  await server.api(user, 'POST', fileUrl('doomed.txt'), { content: 'short-lived' });
  await waitForCell('doomed.txt', 'short-lived');
  const from = watcher.mark();
  await terminal.run('rm doomed.txt');
  const event = await changed('doomed.txt', from, { deleted: true });
  expect(event.source).toBe('terminal');
  expect((await server.api(user, 'GET', fileUrl('doomed.txt'))).status).toBe(404);
});

it('an ignored tree (.venv) stays in the cell and is not synced', async () => {
  const from = watcher.mark();
  await terminal.run(
    'python3 -m venv --without-pip .venv && echo kept > .venv/marker.txt && echo synced > after-venv.txt',
    60_000,
  );
  await changed('after-venv.txt', from);
  // Everything the cell did before after-venv.txt has been through the sync by now.
  await server.services.cells.get(workspace)?.sync.flush();
  const listing = await server.api(user, 'GET', `/api/workspace/${workspace}/files`);
  const paths = (listing.json as { files: { path: string }[] }).files.map((file) => file.path);
  expect(paths).toContain('after-venv.txt');
  expect(paths.filter((path) => path.startsWith('.venv'))).toEqual([]);
  const events = watcher.messages.slice(from).filter((m) => m.type === 'file.changed');
  expect(events.filter((m) => m.path.startsWith('.venv'))).toEqual([]);
  // Still there in the cell, where the program needs it.
  expect(await terminal.run('cat .venv/marker.txt && test -x .venv/bin/python && echo ok')).toBe(
    'kept\nok\n',
  );
});

it('save/409 race: an editor holding version N loses nothing to a terminal change', async () => {
  const saved = await server.api(user, 'POST', fileUrl('notes.txt'), { content: 'editor v1\n' });
  expect(saved.status).toBe(201);
  const base = (saved.json as { version: number }).version;
  await waitForCell('notes.txt', 'editor v1');

  const from = watcher.mark();
  await terminal.run("echo 'terminal line' >> notes.txt");
  const event = await changed('notes.txt', from);
  expect(event).toMatchObject({ source: 'terminal', version: base + 1 });

  // The editor still holds version N and saves its own change on top of it.
  const stale = await server.api(user, 'POST', fileUrl('notes.txt'), {
    content: 'editor v2\n',
    baseVersion: base,
  });
  expect(stale.status).toBe(409);
  expect(stale.json).toMatchObject({
    error: { code: 'VERSION_CONFLICT' },
    current: { content: 'editor v1\nterminal line\n', version: base + 1 },
  });
  const now = await server.api(user, 'GET', fileUrl('notes.txt'));
  expect(now.json).toMatchObject({ content: 'editor v1\nterminal line\n' });

  // The editor merges and saves on the version it was shown; the cell gets the result.
  const merged = await server.api(user, 'POST', fileUrl('notes.txt'), {
    content: 'editor v2\nterminal line\n',
    baseVersion: base + 1,
  });
  expect(merged.status).toBe(200);
  await waitForCell('notes.txt', 'editor v2\nterminal line');
});

it('an editor saving again as soon as its save reached the cell keeps its last save', async () => {
  // The sync's own write into the cell comes back from the cell's watch; it must not be
  // taken for a change made in the cell and turn the file back to the earlier save.
  const path = 'rapid.txt';
  const cell = server.services.cells.get(workspace)!;
  const inCell = async () =>
    (
      await cell.agent.request({ op: 'fs.read', path, maxBytes: 4096 }).catch(() => undefined)
    )?.body.toString('utf8');
  let last = '';
  for (let i = 0; i < 40; i++) {
    last = `save number ${i}\n`;
    const saved = await server.api(user, 'POST', fileUrl(path), { content: last });
    expect(saved.status).toBeLessThan(300);
    const expected = last;
    await waitFor(async () => (await inCell()) === expected, `save ${i} in the cell`, 10_000, 0);
  }
  await cell.sync.flush();
  const now = await server.api(user, 'GET', fileUrl(path));
  expect((now.json as { content: string }).content).toBe(last);
  expect(await inCell()).toBe(last);
});

/** Runs `command` in the terminal until its output shows `expected`. */
async function waitForShell(command: string, expected: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if ((await terminal.run(command)).includes(expected)) return;
    if (Date.now() > deadline) throw new Error(`\`${command}\` never showed ${expected}`);
  }
}

/** Waits until the cell's copy of `path` shows `content` (an editor save reaching the cell). */
const waitForCell = (path: string, content: string) =>
  waitForShell(`cat ${path} 2>/dev/null`, content);
