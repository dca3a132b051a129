import type { FileEntry, Workspace } from '@workcell/protocol';
import type { FastifyInstance } from 'fastify';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  registerUser,
  withCookie,
  type TestUser,
} from '../test-support/api-harness';
import { attachmentDisposition } from './archive';
import type { FileChangeEvent } from './events';

const zipHeaders = (user: TestUser) => ({
  ...bearer(user),
  'content-type': 'application/zip',
});

/** Every byte value, twice: content no text decoding may touch. */
const binary = Uint8Array.from({ length: 512 }, (_, i) => i % 256);

/** Sets the uncompressed size an entry declares in the central directory (a lying archive). */
function declareSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const copy = Uint8Array.from(zip);
  const view = new DataView(copy.buffer);
  for (let at = 0; at + 46 <= copy.length; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(at + 28, true);
    if (Buffer.from(copy.subarray(at + 46, at + 46 + nameLength)).toString() === name) {
      view.setUint32(at + 24, size, true);
      return copy;
    }
  }
  throw new Error(`no entry ${name}`);
}

forEachDatabase('workspace archives (/api/workspace/{uuid}/archive)', (ctx) => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    alice = await registerUser(ctx.app, 'zipper');
    bob = await registerUser(ctx.app, 'zipper');
  });

  const upload = (
    workspace: Workspace,
    zip: Uint8Array,
    {
      user = alice,
      query = '',
      app = ctx.app,
    }: { user?: TestUser; query?: string; app?: FastifyInstance } = {},
  ) =>
    app.inject({
      method: 'POST',
      url: `/api/workspace/${workspace.uuid}/archive${query}`,
      headers: zipHeaders(user),
      payload: Buffer.from(zip),
    });
  const download = (workspace: Workspace, user = alice) =>
    ctx.app.inject({ url: `/api/workspace/${workspace.uuid}/archive`, headers: bearer(user) });
  const tree = async (workspace: Workspace) => {
    const response = await ctx.app.inject({
      url: `/api/workspace/${workspace.uuid}/files`,
      headers: bearer(alice),
    });
    return response
      .json<{ files: FileEntry[] }>()
      .files.map((entry) => `${entry.path}${entry.type === 'folder' ? '/' : ''}`);
  };
  /** Everything an upload could change. */
  const snapshot = async (workspace: Workspace) => ({
    files: await ctx.db
      .selectFrom('files')
      .select(['path', 'type', 'version', 'sha256'])
      .where('workspace_id', '=', workspace.uuid)
      .orderBy('path')
      .execute(),
    revisions: await ctx.db
      .selectFrom('file_revisions')
      .select(['path', 'version'])
      .where('workspace_id', '=', workspace.uuid)
      .orderBy('id')
      .execute(),
    size: (
      await ctx.db
        .selectFrom('workspaces')
        .select('size_bytes')
        .where('id', '=', workspace.uuid)
        .executeTakeFirstOrThrow()
    ).size_bytes,
  });

  describe('round trip', () => {
    it('uploads a zip made with fflate, then downloads the same tree and bytes', async () => {
      const workspace = await createWorkspace(ctx.app, alice, 'Round trip', 'empty');
      const archive: Zippable = {
        'main.py': strToU8('print("from a zip")\n'),
        'src/pkg/__init__.py': new Uint8Array(0),
        'src/pkg/util.py': strToU8('def double(x):\n    return 2 * x\n'),
        'data/bytes.bin': binary,
        'Données/météo 🌦.csv': strToU8('jour,°C\nlundi,12\n'),
        'empty/': new Uint8Array(0),
        'nested/empty/too/': new Uint8Array(0),
      };
      const response = await upload(workspace, zipSync(archive));
      expect(response.statusCode, response.body).toBe(200);
      const written = response.json<{ files: FileEntry[] }>().files;
      expect(written.map((entry) => `${entry.path}${entry.type === 'folder' ? '/' : ''}`)).toEqual([
        'Données/',
        'Données/météo 🌦.csv',
        'data/',
        'data/bytes.bin',
        'empty/',
        'main.py',
        'nested/',
        'nested/empty/',
        'nested/empty/too/',
        'src/',
        'src/pkg/',
        'src/pkg/__init__.py',
        'src/pkg/util.py',
      ]);
      expect(written.find((entry) => entry.path === 'data/bytes.bin')).toMatchObject({
        type: 'file',
        size: 512,
        version: 1,
      });
      expect((await tree(workspace)).sort()).toEqual(
        written.map((entry) => `${entry.path}${entry.type === 'folder' ? '/' : ''}`).sort(),
      );
      const sources = await ctx.db
        .selectFrom('files')
        .select('source')
        .distinct()
        .where('workspace_id', '=', workspace.uuid)
        .execute();
      expect(sources).toEqual([{ source: 'api' }]);

      const downloaded = await download(workspace);
      expect(downloaded.statusCode).toBe(200);
      expect(downloaded.headers['content-type']).toBe('application/zip');
      expect(downloaded.headers['content-disposition']).toBe(
        `attachment; filename="Round trip.zip"; filename*=UTF-8''Round%20trip.zip`,
      );
      const entries = unzipSync(downloaded.rawPayload);
      expect(Object.keys(entries).sort()).toEqual(
        [
          ...Object.keys(archive),
          'Données/',
          'data/',
          'nested/',
          'nested/empty/',
          'src/',
          'src/pkg/',
        ].sort(),
      );
      for (const [name, content] of Object.entries(archive))
        expect(Buffer.from(entries[name]!).equals(Buffer.from(content as Uint8Array)), name).toBe(
          true,
        );
      // Folders are directory entries, with nothing in them.
      expect(entries['empty/']).toEqual(new Uint8Array(0));

      // The downloaded archive uploads again as it is: nothing changes, nothing is a new version.
      const before = await snapshot(workspace);
      const again = await upload(workspace, downloaded.rawPayload);
      expect(again.statusCode, again.body).toBe(200);
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('downloads an empty workspace as an empty zip, and the name UTF-8 safe', async () => {
      const workspace = await createWorkspace(ctx.app, alice, 'Données "météo" 🌦', 'empty');
      const response = await download(workspace);
      expect(response.statusCode).toBe(200);
      expect(unzipSync(response.rawPayload)).toEqual({});
      const disposition = response.headers['content-disposition'] as string;
      expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
      expect(disposition).not.toMatch(/[^\x20-\x7e]/);
      const encoded = /filename\*=UTF-8''(.+)$/.exec(disposition)![1]!;
      expect(decodeURIComponent(encoded)).toBe('Données "météo" 🌦.zip');
      expect(attachmentDisposition("it's (1)*.zip")).toBe(
        `attachment; filename="it's (1)*.zip"; filename*=UTF-8''it%27s%20%281%29%2A.zip`,
      );
    });
  });

  describe('extracting', () => {
    it('extracts into ?folder=, overwriting a file as a new version with a revision', async () => {
      const workspace = await createWorkspace(ctx.app, alice, 'Into a folder');
      await ctx.app.inject({
        method: 'POST',
        url: `/api/workspace/${workspace.uuid}/file/some/dir/notes.txt`,
        headers: bearer(alice),
        payload: { content: 'the old notes\n' },
      });
      const events: FileChangeEvent[] = [];
      const stop = ctx.services.files.onChange((event) => {
        if (event.workspaceId === workspace.uuid) events.push(event);
      });
      try {
        const response = await upload(
          workspace,
          zipSync({
            'notes.txt': strToU8('the new notes\n'),
            'deeper/more.txt': strToU8('more\n'),
          }),
          { query: '?folder=some/dir' },
        );
        expect(response.statusCode, response.body).toBe(200);
        expect(
          response.json<{ files: FileEntry[] }>().files.map((entry) => [entry.path, entry.version]),
        ).toEqual([
          ['some', 1],
          ['some/dir', 1],
          ['some/dir/deeper', 1],
          ['some/dir/deeper/more.txt', 1],
          ['some/dir/notes.txt', 2],
        ]);
      } finally {
        stop();
      }
      expect((await tree(workspace)).sort()).toEqual([
        'script.py',
        'some/',
        'some/dir/',
        'some/dir/deeper/',
        'some/dir/deeper/more.txt',
        'some/dir/notes.txt',
      ]);
      const notes = await ctx.app.inject({
        url: `/api/workspace/${workspace.uuid}/file/some/dir/notes.txt`,
        headers: bearer(alice),
      });
      expect(notes.json()).toMatchObject({ content: 'the new notes\n', version: 2 });
      const revisions = await ctx.app.inject({
        url: `/api/workspace/${workspace.uuid}/revisions/some/dir/notes.txt`,
        headers: bearer(alice),
      });
      expect(revisions.json()).toMatchObject({
        revisions: [{ version: 1, reason: 'overwrite' }],
      });
      // Listeners (the cell sync, WebSocket watchers) hear of every change, as from the API.
      expect(events.map((event) => [event.path, event.type, event.version, event.source])).toEqual(
        expect.arrayContaining([
          ['some/dir/deeper', 'folder', 1, 'api'],
          ['some/dir/deeper/more.txt', 'file', 1, 'api'],
          ['some/dir/notes.txt', 'file', 2, 'api'],
        ]),
      );
      expect(events).toHaveLength(3);
    });

    it('skips __MACOSX/ and .DS_Store; an archive of nothing else writes nothing', async () => {
      const workspace = await createWorkspace(ctx.app, alice, 'From a Mac', 'empty');
      const response = await upload(
        workspace,
        zipSync({
          'project/app.py': strToU8('print(1)\n'),
          'project/.DS_Store': strToU8('\x00\x00\x00\x01Bud1'),
          '.DS_Store': strToU8('\x00\x00\x00\x01Bud1'),
          '__MACOSX/': new Uint8Array(0),
          '__MACOSX/project/._app.py': strToU8('\x00\x05\x16\x07'),
          './': new Uint8Array(0),
        }),
      );
      expect(response.statusCode, response.body).toBe(200);
      expect((await tree(workspace)).sort()).toEqual(['project/', 'project/app.py']);

      const before = await snapshot(workspace);
      const clutter = await upload(
        workspace,
        zipSync({ '.DS_Store': strToU8('x'), '__MACOSX/._x': strToU8('y') }),
      );
      expect(clutter.statusCode, clutter.body).toBe(200);
      expect(clutter.json()).toEqual({ files: [] });
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('accepts application/x-zip-compressed (what Windows browsers call a zip), and the cookie', async () => {
      const workspace = await createWorkspace(ctx.app, alice, 'Windows', 'empty');
      const response = await ctx.app.inject({
        method: 'POST',
        url: `/api/workspace/${workspace.uuid}/archive`,
        headers: { ...withCookie(alice), 'content-type': 'application/x-zip-compressed' },
        payload: Buffer.from(zipSync({ 'a.txt': strToU8('a') })),
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(await tree(workspace)).toEqual(['a.txt']);
    });
  });

  describe('refused, with nothing written', () => {
    let workspace: Workspace;
    beforeAll(async () => {
      workspace = await createWorkspace(ctx.app, alice, 'Refusals');
    });

    it.each([
      ['a parent reference (zip slip)', '../evil.py'],
      ['a parent reference inside a path', 'ok/../../evil.py'],
      ['a parent reference in a folder entry', '../outside/'],
      ['an absolute path', '/etc/cron.d/evil'],
      ['a control character', 'bad\u0001name.py'],
      ['a newline', 'two\nlines.py'],
      ['a backslash separator', 'windows\\style.py'],
    ])('an entry with %s: 400 VALIDATION_FAILED', async (_, name) => {
      const before = await snapshot(workspace);
      const zip = zipSync({
        'innocent.py': strToU8('print("first")\n'),
        [name]: name.endsWith('/') ? new Uint8Array(0) : strToU8('import os\n'),
        'z-after.py': strToU8('print("last")\n'),
      });
      const body = expectError(await upload(workspace, zip), 400, 'VALIDATION_FAILED');
      expect(body.error.message).toMatch(/archive entry/);
      // eslint-disable-next-line no-control-regex
      expect(body.error.message).not.toMatch(/[\u0000-\u001f]/);
      // Also under a folder: `..` must not climb out of it.
      expectError(
        await upload(workspace, zip, { query: '?folder=deep/inside' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('two entries for one path: 400', async () => {
      const before = await snapshot(workspace);
      const zip = zipSync({ 'a.txt': strToU8('one'), './a.txt': strToU8('two') });
      expectError(await upload(workspace, zip), 400, 'VALIDATION_FAILED');
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('an invalid ?folder= is 400 INVALID_PATH, or INVALID_NAME for a control character', async () => {
      const before = await snapshot(workspace);
      const zip = zipSync({ 'a.txt': strToU8('a') });
      for (const [folder, code] of [
        ['..', 'INVALID_PATH'],
        ['../up', 'INVALID_PATH'],
        ['/abs', 'INVALID_PATH'],
        ['%01x', 'INVALID_NAME'],
      ])
        expectError(await upload(workspace, zip, { query: `?folder=${folder}` }), 400, code!);
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('a ?folder= that is a file, or an entry where a file is: 409, all or nothing', async () => {
      const before = await snapshot(workspace);
      expectError(
        await upload(workspace, zipSync({ 'a.txt': strToU8('a') }), { query: '?folder=script.py' }),
        409,
        'NOT_A_FOLDER',
      );
      expectError(
        await upload(
          workspace,
          zipSync({ 'first.txt': strToU8('written first'), 'script.py/inside.txt': strToU8('x') }),
        ),
        409,
        'NOT_A_FOLDER',
      );
      expect(await snapshot(workspace)).toEqual(before);
    });

    it.each([
      ['random bytes', Buffer.from('this is not a zip file at all, just some text')],
      ['an empty body', Buffer.alloc(0)],
      [
        'a truncated zip',
        Buffer.from(zipSync({ 'a.txt': strToU8('a'.repeat(1000)) })).subarray(0, 60),
      ],
    ])('%s: 400 VALIDATION_FAILED', async (_, payload) => {
      const before = await snapshot(workspace);
      const body = expectError(await upload(workspace, payload), 400, 'VALIDATION_FAILED');
      expect(body.error.message).toMatch(/not a valid zip/);
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('damaged data (the checksum disagrees) or a size that lies: 400', async () => {
      const before = await snapshot(workspace);
      const text = strToU8('hello, this is the content of a file\n'.repeat(20));
      const stored = zipSync({ 'good.txt': strToU8('fine'), 'damaged.txt': text }, { level: 0 });
      const damaged = Uint8Array.from(stored);
      const at = Buffer.from(damaged).indexOf('hello, this');
      damaged[at] = 'J'.charCodeAt(0);
      expectError(await upload(workspace, damaged), 400, 'VALIDATION_FAILED');
      // Declaring fewer bytes than the entry holds would truncate it silently.
      const lying = declareSize(zipSync({ 'short.txt': text }), 'short.txt', 10);
      expectError(await upload(workspace, lying), 400, 'VALIDATION_FAILED');
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('a body that is not declared a zip: 415', async () => {
      const response = await ctx.app.inject({
        method: 'POST',
        url: `/api/workspace/${workspace.uuid}/archive`,
        headers: bearer(alice),
        payload: { files: [] },
      });
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('size limits, checked before inflating', () => {
    let small: FastifyInstance;
    let workspace: Workspace;
    beforeAll(async () => {
      small = (await ctx.buildApp({ MAX_FILE_BYTES: '1000', MAX_WORKSPACE_BYTES: '3000' })).app;
      workspace = await createWorkspace(ctx.app, alice, 'Small limits', 'empty');
    });

    it('an entry over the file limit: 413 FILE_TOO_LARGE', async () => {
      const before = await snapshot(workspace);
      const zip = zipSync({ 'ok.txt': strToU8('ok'), 'big.txt': new Uint8Array(1001) });
      const body = expectError(await upload(workspace, zip, { app: small }), 413, 'FILE_TOO_LARGE');
      expect(body.error.message).toMatch(/big\.txt/);
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('entries that add up past the workspace limit: 413 WORKSPACE_FULL', async () => {
      const before = await snapshot(workspace);
      const zip = zipSync({
        'a.bin': new Uint8Array(1000),
        'b.bin': new Uint8Array(1000),
        'c.bin': new Uint8Array(1000),
        'd.bin': new Uint8Array(1),
      });
      expectError(await upload(workspace, zip, { app: small }), 413, 'WORKSPACE_FULL');
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('an archive that fits the limit but not the space left: 413, nothing written', async () => {
      const three = zipSync({ 'a.bin': new Uint8Array(1000), 'b.bin': new Uint8Array(1000) });
      expect((await upload(workspace, three, { app: small })).statusCode).toBe(200);
      const before = await snapshot(workspace);
      const more = zipSync({ 'c.bin': new Uint8Array(900), 'd.bin': new Uint8Array(900) });
      expectError(await upload(workspace, more, { app: small }), 413, 'WORKSPACE_FULL');
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('a declared size is trusted for the refusal: nothing is inflated first', async () => {
      // Its data is one byte; were it inflated, the answer would be 400, not 413.
      const lying = declareSize(zipSync({ 'x.bin': new Uint8Array(1) }), 'x.bin', 2 ** 31);
      expectError(await upload(workspace, lying), 413, 'FILE_TOO_LARGE');
    });

    it('a zip bomb (64 MiB of zeros, 64 KiB compressed) is refused quickly', async () => {
      const bomb = zipSync({ 'zeros.bin': new Uint8Array(64 * 1024 * 1024) }, { level: 9 });
      expect(bomb.length).toBeLessThan(128 * 1024);
      const started = performance.now();
      expectError(await upload(workspace, bomb), 413, 'FILE_TOO_LARGE');
      expect(performance.now() - started).toBeLessThan(2000);
    });
  });

  describe('who may', () => {
    let workspace: Workspace;
    beforeAll(async () => {
      workspace = await createWorkspace(ctx.app, alice, 'Private');
    });

    it("someone else's workspace is 404, as one that does not exist, and stays untouched", async () => {
      const before = await snapshot(workspace);
      expectError(await download(workspace, bob), 404, 'WORKSPACE_NOT_FOUND');
      expectError(
        await upload(workspace, zipSync({ 'pwned.py': strToU8('x') }), { user: bob }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
      // Even a malformed upload says nothing more.
      expectError(
        await upload(workspace, strToU8('garbage'), { user: bob }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('without a session it is 401', async () => {
      const before = await snapshot(workspace);
      expectError(
        await ctx.app.inject({ url: `/api/workspace/${workspace.uuid}/archive` }),
        401,
        'UNAUTHENTICATED',
      );
      expectError(
        await ctx.app.inject({
          method: 'POST',
          url: `/api/workspace/${workspace.uuid}/archive`,
          headers: { 'content-type': 'application/zip' },
          payload: Buffer.from(zipSync({ 'pwned.py': strToU8('x') })),
        }),
        401,
        'UNAUTHENTICATED',
      );
      expect(await snapshot(workspace)).toEqual(before);
    });
  });
});
