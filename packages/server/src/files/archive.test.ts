import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

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
import { deflatedZeros, entry, lyingBomb, rawZip } from '../test-support/raw-zip';
import { attachmentDisposition } from './archive-download';
import type { FileChangeEvent } from './events';

const zipHeaders = (user: TestUser) => ({
  ...bearer(user),
  'content-type': 'application/zip',
});

/** Every byte value, twice: content no text decoding may touch. */
const binary = Uint8Array.from({ length: 512 }, (_, i) => i % 256);

/** Text that deflates well: `bytes` long. */
const text = (bytes: number) =>
  'print("a line of Python that compresses well")  # '
    .repeat(Math.ceil(bytes / 50))
    .slice(0, bytes);

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
  const download = (workspace: Workspace, user = alice, query = '') =>
    ctx.app.inject({
      url: `/api/workspace/${workspace.uuid}/archive${query}`,
      headers: bearer(user),
    });
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
      expect(sources).toEqual([{ source: 'upload' }]);

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

    it('downloads one folder named after it, its entries from it; nothing beside it', async () => {
      const workspace = await createWorkspace(ctx.app, alice, 'Folders', 'empty');
      const uploaded = await upload(
        workspace,
        zipSync({
          'main.py': strToU8('print(1)\n'),
          'src/pkg/util.py': strToU8('X = 1\n'),
          'src/pkg/data/rows.bin': binary,
          'src/pkgs/other.py': strToU8('# a sibling sharing the prefix\n'),
        }),
      );
      expect(uploaded.statusCode, uploaded.body).toBe(200);

      const response = await download(workspace, alice, '?folder=src/pkg');
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="pkg.zip"; filename*=UTF-8''pkg.zip`,
      );
      const entries = unzipSync(response.rawPayload);
      expect(Object.keys(entries).sort()).toEqual([
        'pkg/',
        'pkg/data/',
        'pkg/data/rows.bin',
        'pkg/util.py',
      ]);
      expect(Buffer.from(entries['pkg/data/rows.bin']!).equals(Buffer.from(binary))).toBe(true);

      expectError(await download(workspace, alice, '?folder=nope'), 404, 'FILE_NOT_FOUND');
      expectError(await download(workspace, alice, '?folder=main.py'), 404, 'FILE_NOT_FOUND');
      expectError(await download(workspace, alice, '?folder=../etc'), 400, 'INVALID_PATH');
      expectError(await download(workspace, bob, '?folder=src'), 404, 'WORKSPACE_NOT_FOUND');
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
        revisions: [{ version: 1, reason: 'overwrite', source: 'editor' }],
      });
      // Listeners (the cell sync, WebSocket watchers) hear of every change, as uploads.
      expect(events.map((event) => [event.path, event.type, event.version, event.source])).toEqual(
        expect.arrayContaining([
          ['some/dir/deeper', 'folder', 1, 'upload'],
          ['some/dir/deeper/more.txt', 'file', 1, 'upload'],
          ['some/dir/notes.txt', 'file', 2, 'upload'],
        ]),
      );
      expect(events).toHaveLength(3);
    });

    it('an archive re-uploaded keeps REVISIONS_PER_FILE revisions of each file it overwrites', async () => {
      const few = (await ctx.buildApp({ REVISIONS_PER_FILE: '2' })).app;
      const workspace = await createWorkspace(ctx.app, alice, 'Revised', 'empty');
      for (let round = 1; round <= 4; round++) {
        const response = await upload(
          workspace,
          zipSync({
            'a.txt': strToU8(`a${round}`),
            'b.txt': strToU8(`b${round}`),
            'same.txt': strToU8('same'),
          }),
          { app: few },
        );
        expect(response.statusCode, response.body).toBe(200);
      }
      for (const name of ['a.txt', 'b.txt']) {
        const revisions = await few.inject({
          url: `/api/workspace/${workspace.uuid}/revisions/${name}`,
          headers: bearer(alice),
        });
        expect(
          revisions.json<{ revisions: { version: number }[] }>().revisions.map((r) => r.version),
        ).toEqual([3, 2]);
        const revision = await ctx.db
          .selectFrom('file_revisions')
          .select('content')
          .where('workspace_id', '=', workspace.uuid)
          .where('path', '=', name)
          .where('version', '=', 3)
          .executeTakeFirstOrThrow();
        expect(Buffer.from(revision.content).toString()).toBe(`${name[0]}3`);
      }
      // Unchanged content is no new version.
      const same = (await snapshot(workspace)).files.find((file) => file.path === 'same.txt');
      expect(same?.version).toBe(1);
      expect((await snapshot(workspace)).size).toBe(2 + 2 + 4);
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
      ['an end record pointing past the end', rawZip([entry('a.txt', 'a')]).subarray(60)],
    ])('%s: 400 ARCHIVE_INVALID', async (_, payload) => {
      const before = await snapshot(workspace);
      const body = expectError(await upload(workspace, payload), 400, 'ARCHIVE_INVALID');
      expect(body.error.message).toMatch(/cannot be read/);
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('damaged data, or a size or checksum that lies either way: 400 ARCHIVE_INVALID', async () => {
      const before = await snapshot(workspace);
      const content = strToU8('hello, this is the content of a file\n'.repeat(20));
      const stored = zipSync({ 'good.txt': strToU8('fine'), 'damaged.txt': content }, { level: 0 });
      const damaged = Uint8Array.from(stored);
      const at = Buffer.from(damaged).indexOf('hello, this');
      damaged[at] = 'J'.charCodeAt(0);
      expectError(await upload(workspace, damaged), 400, 'ARCHIVE_INVALID');
      const honest = entry('short.txt', content);
      for (const lie of [
        // Fewer bytes than the entry holds, with the checksum of what a reader trusting the
        // size would keep: accepted and stored truncated before.
        { declaredSize: 10, crc: crc32(content.subarray(0, 10)) },
        // More than it holds.
        { declaredSize: 2 ** 31 },
        { crc: honest.crc ^ 1 },
      ]) {
        const body = expectError(
          await upload(workspace, rawZip([entry('good.txt', 'fine'), { ...honest, ...lie }])),
          400,
          'ARCHIVE_INVALID',
        );
        expect(body.error.message).toMatch(/short\.txt/);
      }
      expect(await snapshot(workspace)).toEqual(before);
    });

    it.each([
      ['is encrypted', { ...entry('secret.txt', 'x'), flags: 0x0801 }, /password/],
      ['uses another compression method', { ...entry('x.txt', 'x'), method: 12 }, /method 12/],
    ])('an entry that %s: 400 ARCHIVE_INVALID', async (_, odd, message) => {
      const before = await snapshot(workspace);
      const body = expectError(
        await upload(workspace, rawZip([entry('ok.txt', 'ok'), odd])),
        400,
        'ARCHIVE_INVALID',
      );
      expect(body.error.message).toMatch(message);
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('entries sharing their data (each directory record at the same bytes): 400', async () => {
      const before = await snapshot(workspace);
      const zeros = entry('a.bin', new Uint8Array(1024 * 1024));
      const zip = rawZip([zeros, { ...zeros, name: 'b.bin' }]);
      // Point the second record at the first entry's header: its data, inflated twice.
      const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
      const second = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      view.setUint32(second + 42, 0, true);
      expectError(await upload(workspace, zip), 400, 'ARCHIVE_INVALID');
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

  describe('limits, counted on the bytes as they inflate', () => {
    let small: FastifyInstance;
    let workspace: Workspace;
    beforeAll(async () => {
      small = (
        await ctx.buildApp({
          MAX_FILE_BYTES: '1000',
          MAX_WORKSPACE_BYTES: '3000',
          MAX_ARCHIVE_ENTRIES: '5',
        })
      ).app;
      workspace = await createWorkspace(ctx.app, alice, 'Small limits', 'empty');
    });

    it('an entry over the file limit: 413 FILE_TOO_LARGE naming it', async () => {
      const before = await snapshot(workspace);
      const zip = zipSync({ 'ok.txt': strToU8('ok'), 'big.txt': new Uint8Array(1001) });
      const body = expectError(await upload(workspace, zip, { app: small }), 413, 'FILE_TOO_LARGE');
      expect(body.error.message).toMatch(/big\.txt/);
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('an entry whose headers declare 1 byte but that inflates past the file limit: 413 FILE_TOO_LARGE', async () => {
      const before = await snapshot(workspace);
      const content = strToU8(text(100_000));
      const liar = {
        ...entry('liar.py', content),
        declaredSize: 1,
        crc: crc32(content.subarray(0, 1)),
      };
      const body = expectError(
        await upload(workspace, rawZip([entry('ok.txt', 'ok'), liar]), { app: small }),
        413,
        'FILE_TOO_LARGE',
      );
      expect(body.error.message).toMatch(/liar\.py/);
      expect(await snapshot(workspace)).toEqual(before);
      // At the default limits: a gibibyte of zeros in one megabyte, declaring one byte.
      const bomb = rawZip([entry('ok.txt', 'ok'), lyingBomb('zeros.bin', 1024)]);
      expect(bomb.length).toBeLessThan(1.1 * 1024 * 1024);
      const refused = expectError(await upload(workspace, bomb), 413, 'FILE_TOO_LARGE');
      expect(refused.error.message).toMatch(/zeros\.bin/);
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
      // Honest entries, then one declaring one byte that inflates past the room left.
      const content = strToU8(text(900));
      const liar = {
        ...entry('liar.py', content),
        declaredSize: 1,
        crc: crc32(content.subarray(0, 1)),
      };
      const honest = [1, 2, 3].map((i) => entry(`honest${i}.py`, text(800)));
      const body = expectError(
        await upload(workspace, rawZip([...honest, liar]), { app: small }),
        413,
        'WORKSPACE_FULL',
      );
      expect(body.error.message).toMatch(/liar\.py/);
      expect(await snapshot(workspace)).toEqual(before);
    });

    it('what the workspace holds counts: past the room left is 413, replacing files frees theirs', async () => {
      const two = zipSync({ 'a.bin': new Uint8Array(1000), 'b.bin': new Uint8Array(1000) });
      expect((await upload(workspace, two, { app: small })).statusCode).toBe(200);
      const before = await snapshot(workspace);
      const more = zipSync({ 'c.bin': new Uint8Array(900), 'd.bin': new Uint8Array(900) });
      expectError(await upload(workspace, more, { app: small }), 413, 'WORKSPACE_FULL');
      expect(await snapshot(workspace)).toEqual(before);
      // 2,900 bytes where 2,000 are: 900 more than now, within the 3,000.
      const replacing = zipSync({
        'a.bin': new Uint8Array(1000).fill(1),
        'b.bin': new Uint8Array(1000).fill(1),
        'c.bin': new Uint8Array(900),
      });
      const response = await upload(workspace, replacing, { app: small });
      expect(response.statusCode, response.body).toBe(200);
      expect((await snapshot(workspace)).size).toBe(2900);
    });

    it('more entries than MAX_ARCHIVE_ENTRIES: 413 ARCHIVE_TOO_MANY_ENTRIES, even unread', async () => {
      const target = await createWorkspace(ctx.app, alice, 'Many entries', 'empty');
      const before = await snapshot(target);
      const entries = (count: number) =>
        Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}.txt`, strToU8('x')]));
      const body = expectError(
        await upload(target, zipSync(entries(6)), { app: small }),
        413,
        'ARCHIVE_TOO_MANY_ENTRIES',
      );
      expect(body.error.message).toMatch(/6 entries; at most 5/);
      // Clutter and folders count too: they are entries to read.
      expectError(
        await upload(
          target,
          zipSync({ ...entries(4), 'd/': new Uint8Array(0), '.DS_Store': strToU8('x') }),
          {
            app: small,
          },
        ),
        413,
        'ARCHIVE_TOO_MANY_ENTRIES',
      );
      // An end record claiming 60,000 entries is refused before any is read (default 10,000).
      expectError(
        await upload(target, rawZip([entry('a.txt', 'a')], { declaredCount: 60_000 })),
        413,
        'ARCHIVE_TOO_MANY_ENTRIES',
      );
      expect(await snapshot(target)).toEqual(before);
      expect((await upload(target, zipSync(entries(5)), { app: small })).statusCode).toBe(200);
    });

    it('a body larger than the workspace limit plus 4 KiB an entry: 413 PAYLOAD_TOO_LARGE', async () => {
      const target = await createWorkspace(ctx.app, alice, 'Body limit', 'empty');
      const before = await snapshot(target);
      // 3,000 + 5 × 4,096 bytes at most, compressed.
      const zip = rawZip([entry('noise.bin', randomBytes(25_000), { method: 0 })]);
      expectError(await upload(target, zip, { app: small }), 413, 'PAYLOAD_TOO_LARGE');
      // Without a Content-Length, counted as it streams.
      const streamed = await small.inject({
        method: 'POST',
        url: `/api/workspace/${target.uuid}/archive`,
        headers: zipHeaders(alice),
        payload: Readable.from([zip.subarray(0, 10_000), zip.subarray(10_000)]),
      });
      expectError(streamed, 413, 'PAYLOAD_TOO_LARGE');
      expect(await snapshot(target)).toEqual(before);
    });
  });

  describe('a large archive', () => {
    it('5 MiB of text in 5 files imports, and other users are answered meanwhile', async ({
      annotate,
    }) => {
      const workspace = await createWorkspace(ctx.app, alice, 'Large', 'empty');
      const content = text(1024 * 1024);
      const zip = rawZip(Array.from({ length: 5 }, (_, i) => entry(`big${i}.py`, content)));
      expect(zip.length).toBeLessThan(100_000);

      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      let done = false;
      const importing = upload(workspace, zip).finally(() => (done = true));
      let answeredMeanwhile = 0;
      while (!done) {
        const health = await ctx.app.inject({ url: '/api/health' });
        expect(health.statusCode).toBe(200);
        if (!done) answeredMeanwhile++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const response = await importing;
      delay.disable();
      expect(response.statusCode, response.body).toBe(200);
      // Had the import held the event loop from start to end, none would have been.
      expect(answeredMeanwhile).toBeGreaterThan(0);
      await annotate(
        `${ctx.kind}: ${answeredMeanwhile} health answers during the import; event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
      );

      const files = response.json<{ files: FileEntry[] }>().files;
      expect(files.map((file) => [file.path, file.size])).toEqual(
        Array.from({ length: 5 }, (_, i) => [`big${i}.py`, 1024 * 1024]),
      );
      const read = await ctx.app.inject({
        url: `/api/workspace/${workspace.uuid}/file/big3.py`,
        headers: bearer(alice),
      });
      expect(read.json<{ content: string }>().content).toBe(content);
    });

    it('a download is deflated while the event loop serves others, and unzips to the same bytes', async () => {
      const workspace = await createWorkspace(ctx.app, alice, 'To download', 'empty');
      const zeros = deflatedZeros(1);
      const zip = rawZip([
        entry('a.txt', text(300_000)),
        entry(
          'sub/b.bin',
          new Uint8Array(200_000).map((_, i) => (i * 7919) % 251),
        ),
        {
          ...entry('zeros.bin', new Uint8Array(0)),
          stored: zeros,
          crc: crc32(new Uint8Array(1024 * 1024)),
          declaredSize: 1024 * 1024,
        },
      ]);
      expect((await upload(workspace, zip)).statusCode).toBe(200);
      const downloaded = await download(workspace);
      expect(downloaded.statusCode).toBe(200);
      const entries = unzipSync(downloaded.rawPayload);
      expect(Object.keys(entries).sort()).toEqual(['a.txt', 'sub/', 'sub/b.bin', 'zeros.bin']);
      expect(Buffer.from(entries['a.txt']!).toString()).toBe(text(300_000));
      expect(entries['sub/b.bin']![12_345]).toBe((12_345 * 7919) % 251);
      expect(entries['zeros.bin']).toEqual(new Uint8Array(1024 * 1024));
      expect(downloaded.rawPayload.length).toBeLessThan(250_000);
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
