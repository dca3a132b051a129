/**
 * File sync between a real cell and the database, through the real server: what a
 * program writes in the cell reaches the database, what is saved through the API reaches
 * the cell, and a new volume never costs a file. (The crash cases — changes the server
 * never saw — are in orphans.test.ts, which kills a server process.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { Workspace } from '@workcell/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  openTestDatabase,
  registerUser,
  type TestDatabase,
  type TestUser,
} from '../test-support/api-harness';
import {
  createCellTestEnv,
  leftovers,
  python,
  saveFile,
  shutdownCell,
  startCell,
  waitFor,
  type CellTestApp,
  type CellTestEnv,
} from '../test-support/cell-harness';

let env: CellTestEnv;
let database: TestDatabase;
let main: CellTestApp;
let user: TestUser;
let workspace: Workspace;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const dbFile = (path: string) => main.services.files.find(workspace.uuid, path);

/** Waits until the database holds `path` as a file written from the cell. */
const syncedFromCell = (path: string) =>
  waitFor(async () => {
    const row = await dbFile(path);
    return row?.source === 'terminal' && row;
  }, `${path} to reach the database`);

beforeAll(async () => {
  env = await createCellTestEnv('sync');
  database = await openTestDatabase('pglite');
  main = await env.buildApp(database.handle);
  user = await registerUser(main.app, 'sync');
  workspace = await createWorkspace(main.app, user, 'Sync');
  await startCell(main.app, user, workspace.uuid);
});

afterAll(async () => {
  await env.dispose();
  await database.close();
});

/** Generous: cells run at half a core, and CI machines are busy. */
const TEST_TIMEOUT_MS = 120_000;

describe('cell → database', { timeout: TEST_TIMEOUT_MS }, () => {
  it('syncs a file written in the cell at any depth, with source terminal', async () => {
    await python(
      main.app,
      user,
      workspace.uuid,
      'import os\nos.makedirs("a/b/c")\nopen("a/b/c/deep.txt", "w").write("from deep down\\n")',
    );
    const row = await syncedFromCell('a/b/c/deep.txt');
    expect(Buffer.from(row.content ?? []).toString()).toBe('from deep down\n');
    for (const folder of ['a', 'a/b', 'a/b/c']) expect((await dbFile(folder))?.type).toBe('folder');

    const response = await main.app.inject({
      method: 'GET',
      url: `/api/workspace/${workspace.uuid}/file/a/b/c/deep.txt`,
      headers: bearer(user),
    });
    expect(response.json()).toMatchObject({ content: 'from deep down\n', encoding: 'utf-8' });
  });

  it('syncs a changed file as a new version, the old content kept as a revision', async () => {
    await python(main.app, user, workspace.uuid, 'open("notes.txt", "w").write("one\\n")');
    const first = await syncedFromCell('notes.txt');
    await python(main.app, user, workspace.uuid, 'open("notes.txt", "a").write("two\\n")');
    const second = await waitFor(async () => {
      const row = await dbFile('notes.txt');
      return row && row.version > first.version && row;
    }, 'the change to reach the database');
    expect(Buffer.from(second.content ?? []).toString()).toBe('one\ntwo\n');
    const revisions = await main.services.files.revisions(workspace.uuid, 'notes.txt');
    expect(revisions.map((r) => r.sha256)).toContain(first.sha256);
  });

  it('syncs a binary file byte for byte', async () => {
    const bytes = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      randomBytes(300_000),
      Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a]),
    ]);
    // The bytes reach the cell through stdin, so nothing of the server's own sync is involved.
    const written = await main.app.inject({
      method: 'POST',
      url: `/api/workspace/${workspace.uuid}/run`,
      headers: bearer(user),
      payload: {
        code: [
          'import base64, os, sys',
          'os.makedirs("data")',
          'open("data/blob.bin", "wb").write(base64.b64decode(sys.stdin.read()))',
        ].join('\n'),
        stdin: bytes.toString('base64'),
      },
    });
    expect(written.json()).toMatchObject({ exitCode: 0 });

    const row = await syncedFromCell('data/blob.bin');
    expect(row.sha256).toBe(sha256(bytes));
    expect(Buffer.from(row.content ?? []).equals(bytes)).toBe(true);
    const raw = await main.app.inject({
      method: 'GET',
      url: `/api/workspace/${workspace.uuid}/raw/data/blob.bin`,
      headers: bearer(user),
    });
    expect(raw.rawPayload.equals(bytes)).toBe(true);
  });

  it('syncs a delete in the cell; the content stays restorable', async () => {
    await python(main.app, user, workspace.uuid, 'open("doomed.txt", "w").write("last words\\n")');
    const synced = await syncedFromCell('doomed.txt');
    await python(main.app, user, workspace.uuid, 'import os\nos.remove("doomed.txt")');
    await waitFor(async () => (await dbFile('doomed.txt')) === undefined, 'the delete to sync');
    const revisions = await main.services.files.revisions(workspace.uuid, 'doomed.txt');
    expect(revisions[0]).toMatchObject({ reason: 'delete', sha256: synced.sha256 });

    // A folder removed with everything in it.
    await python(
      main.app,
      user,
      workspace.uuid,
      'import os\nos.makedirs("tree/sub")\nopen("tree/sub/leaf.txt", "w").write("leaf")',
    );
    await syncedFromCell('tree/sub/leaf.txt');
    await python(main.app, user, workspace.uuid, 'import shutil\nshutil.rmtree("tree")');
    await waitFor(async () => (await dbFile('tree')) === undefined, 'the folder delete to sync');
    expect(await dbFile('tree/sub/leaf.txt')).toBeUndefined();
  });

  it('keeps caches and environments (.venv, __pycache__, node_modules) in the cell only', async () => {
    await saveFile(main.app, user, workspace.uuid, 'pkg/__init__.py', '');
    await saveFile(main.app, user, workspace.uuid, 'pkg/mod.py', 'VALUE = 42\n');
    await python(
      main.app,
      user,
      workspace.uuid,
      [
        'import os',
        'import pkg.mod  # writes pkg/__pycache__/mod.cpython-311.pyc',
        'os.makedirs(".venv/lib/python3.11/site-packages/thing")',
        'open(".venv/lib/python3.11/site-packages/thing/__init__.py", "w").write("x = 1")',
        'os.makedirs("node_modules/left-pad")',
        'open("node_modules/left-pad/index.js", "w").write("module.exports = 1")',
        'os.makedirs("__pycache__")',
        'open("__pycache__/top.pyc", "wb").write(b"\\0")',
        'print(sorted(os.listdir("pkg/__pycache__")))',
        'open("after-the-caches.txt", "w").write("written last")',
      ].join('\n'),
    );
    // What was written after the caches has arrived, so the caches had their chance.
    await syncedFromCell('after-the-caches.txt');
    const paths = (await main.services.files.list(workspace.uuid)).map((row) => row.path);
    expect(paths).toContain('pkg/mod.py');
    expect(
      paths.filter((path) => /(^|\/)(\.venv|__pycache__|node_modules)(\/|$)/.test(path)),
    ).toEqual([]);
    expect(
      await python(
        main.app,
        user,
        workspace.uuid,
        'import os\nprint("mod.cpython-311.pyc" in os.listdir("pkg/__pycache__"), os.path.exists(".venv/lib"))',
      ),
    ).toBe('True True\n');
  });
});

describe('database → cell', { timeout: TEST_TIMEOUT_MS }, () => {
  it('writes a save through the API into the cell, at any depth and in binary', async () => {
    await saveFile(main.app, user, workspace.uuid, 'saved/deeper/hello.txt', 'saved via the API\n');
    const bytes = randomBytes(70_000);
    await saveFile(
      main.app,
      user,
      workspace.uuid,
      'saved/blob.bin',
      bytes.toString('base64'),
      'base64',
    );
    const out = await python(
      main.app,
      user,
      workspace.uuid,
      [
        'import hashlib',
        'print(open("saved/deeper/hello.txt").read(), end="")',
        'print(hashlib.sha256(open("saved/blob.bin", "rb").read()).hexdigest())',
      ].join('\n'),
    );
    expect(out).toBe(`saved via the API\n${sha256(bytes)}\n`);
    // The cell's copy is not imported back as a change of its own.
    expect((await dbFile('saved/deeper/hello.txt'))?.source).toBe('editor');
  });

  it('answers a save only once the cell holds it, so the next command runs the new code', async () => {
    const cell = main.services.cells.get(workspace.uuid)!;
    for (let round = 0; round < 5; round++) {
      const content = `print("round ${round}")\n`;
      await saveFile(main.app, user, workspace.uuid, 'run_me.py', content);
      // Straight to the agent, as a terminal's command would: no sync is awaited here.
      const { body } = await cell.agent.request({
        op: 'fs.read',
        path: 'run_me.py',
        maxBytes: 1024,
      });
      expect(body.toString()).toBe(content);
    }
  });

  it('deletes and moves in the cell what was deleted and moved through the API', async () => {
    await saveFile(main.app, user, workspace.uuid, 'old/name.txt', 'moving\n');
    await saveFile(main.app, user, workspace.uuid, 'bin/trash.txt', 'trash\n');
    const moved = await main.app.inject({
      method: 'POST',
      url: `/api/workspace/${workspace.uuid}/move`,
      headers: bearer(user),
      payload: { from: 'old', to: 'new' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const deleted = await main.app.inject({
      method: 'DELETE',
      url: `/api/workspace/${workspace.uuid}/file/bin/trash.txt`,
      headers: bearer(user),
    });
    expect(deleted.statusCode).toBe(204);
    expect(
      await python(
        main.app,
        user,
        workspace.uuid,
        'import os\nprint(os.path.exists("old/name.txt"), open("new/name.txt").read(), os.path.exists("bin/trash.txt"))',
      ),
    ).toBe('False moving\n False\n');
  });
});

describe('stopping a cell', { timeout: TEST_TIMEOUT_MS }, () => {
  it('syncs everything the cell wrote, also what the watch had not reported yet', async () => {
    const other = await createWorkspace(main.app, user, 'Stopped right after a write');
    await startCell(main.app, user, other.uuid);
    await python(
      main.app,
      user,
      other.uuid,
      'import os\nos.mkdir("burst")\nfor i in range(100): open(f"burst/{i}.txt", "w").write(str(i))',
    );
    // Stopped the moment the program is done, as a user's shutdown or the reaper may.
    await shutdownCell(main.app, user, other.uuid);
    const synced = (await main.services.files.list(other.uuid))
      .filter((row) => row.path.startsWith('burst/'))
      .map((row) => row.path);
    expect(synced).toHaveLength(100);
  });
});

describe('a new volume', { timeout: TEST_TIMEOUT_MS }, () => {
  it('never deletes a file from the database: the cell is filled from it again', async () => {
    const other = await createWorkspace(main.app, user, 'Replaced volume');
    await startCell(main.app, user, other.uuid);
    await saveFile(main.app, user, other.uuid, 'keep/me.txt', 'precious\n');
    await python(
      main.app,
      user,
      other.uuid,
      'open("made-in-cell.txt", "w").write("also precious\\n")',
    );
    await waitFor(
      async () => (await main.services.files.find(other.uuid, 'made-in-cell.txt'))?.source,
      'the cell file to sync',
    );
    await shutdownCell(main.app, user, other.uuid);
    expect(leftovers(env.host, other.uuid).mounted).toBe(false);

    // The volume is lost (a new disk, a cleaned data directory): the cell starts empty.
    await rm(join(env.host.cellsDir, other.uuid), { recursive: true, force: true });

    await startCell(main.app, user, other.uuid);
    const paths = (await main.services.files.list(other.uuid)).map((row) => row.path);
    expect(paths).toEqual(expect.arrayContaining(['keep/me.txt', 'made-in-cell.txt', 'script.py']));
    expect(
      await python(
        main.app,
        user,
        other.uuid,
        'print(open("keep/me.txt").read() + open("made-in-cell.txt").read(), end="")',
      ),
    ).toBe('precious\nalso precious\n');
    await shutdownCell(main.app, user, other.uuid);
  });
});

describe('a name the database refuses', { timeout: TEST_TIMEOUT_MS }, () => {
  it('stays in the cell, is reported, and everything else syncs both ways', async () => {
    const other = await createWorkspace(main.app, user, 'Bad names');
    await startCell(main.app, user, other.uuid);
    await saveFile(main.app, user, other.uuid, 'saved.txt', 'from the editor\n');
    const notices: string[] = [];
    const stopListening = main.services.cells.onEvent((event) => {
      if (event.type === 'sync' && event.workspaceId === other.uuid) notices.push(event.path);
    });
    try {
      await python(
        main.app,
        user,
        other.uuid,
        'open("\\ufeffbom.py", "w").write("x")\nopen("line\\nbreak.txt", "w").write("y")\nopen("fine.txt", "w").write("z")',
      );
      // The cell's watch reports them as they appear, each once.
      const badNames = ['\ufeffbom.py', 'line\nbreak.txt'];
      await waitFor(
        async () => badNames.every((name) => notices.includes(name)),
        'the watch to report the bad names',
      );
      expect(notices.filter((name) => badNames.includes(name))).toHaveLength(2);
      // Stopped and started again: the start's rescan meets the bad names too.
      notices.length = 0;
      await shutdownCell(main.app, user, other.uuid);
      await startCell(main.app, user, other.uuid);
      const paths = (await main.services.files.list(other.uuid)).map((row) => row.path);
      expect(paths).toEqual(expect.arrayContaining(['fine.txt', 'saved.txt', 'script.py']));
      expect(paths.some((path) => path.includes('bom') || path.includes('break'))).toBe(false);
      expect(notices).toEqual(expect.arrayContaining(['\ufeffbom.py', 'line\nbreak.txt']));
      // The cell keeps all of them: nothing was deleted to make the sync fit.
      expect(
        await python(
          main.app,
          user,
          other.uuid,
          'import os\nprint(all(os.path.exists(n) for n in ["\\ufeffbom.py", "line\\nbreak.txt", "fine.txt", "saved.txt"]))',
        ),
      ).toBe('True\n');
    } finally {
      stopListening();
    }
  });
});
