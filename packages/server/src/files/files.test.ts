import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

import type { Workspace } from '@workcell/protocol';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
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

interface Entry {
  path: string;
  type: 'file' | 'folder';
  size: number;
  version: number;
  updatedAt: string;
}
interface Content {
  path: string;
  content: string;
  encoding: 'utf-8' | 'base64';
  version: number;
  size: number;
  sha256: string;
  updatedAt: string;
}
interface RevisionContent {
  path: string;
  revision: number;
  version: number;
  size: number;
  sha256: string;
  reason: 'overwrite' | 'delete';
  createdAt: string;
  content: string;
  encoding: 'utf-8' | 'base64';
}
interface RevisionList {
  path: string;
  revisions: { revision: number; version: number; size: number; sha256: string; reason: string }[];
}

/** A small valid PNG (RGBA) whose pixels hold every byte value. */
function makePng(width = 16, height = 16): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 4); // filter byte 0, then pixels
    for (let i = 1; i < row.length; i++) row[i] = (y * width * 4 + i - 1) % 256;
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Requests against one workspace as one user. */
function workspaceApi(app: FastifyInstance, user: TestUser, workspace: Workspace) {
  const base = `/api/workspace/${workspace.uuid}`;
  const headers = bearer(user);
  return {
    base,
    tree: async () => {
      const response = await app.inject({ url: `${base}/files`, headers });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ files: Entry[] }>().files;
    },
    paths: async () => {
      const response = await app.inject({ url: `${base}/files`, headers });
      return response
        .json<{ files: Entry[] }>()
        .files.map((entry) => `${entry.path}${entry.type === 'folder' ? '/' : ''}`)
        .sort();
    },
    get: (path: string) => app.inject({ url: `${base}/file/${path}`, headers }),
    read: async (path: string) => {
      const response = await app.inject({ url: `${base}/file/${path}`, headers });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<Content>();
    },
    write: (path: string, body: object) =>
      app.inject({ method: 'POST', url: `${base}/file/${path}`, headers, payload: body }),
    remove: (path: string) =>
      app.inject({ method: 'DELETE', url: `${base}/file/${path}`, headers }),
    folder: (path: string) =>
      app.inject({ method: 'POST', url: `${base}/folder/${path}`, headers }),
    move: (from: string, to: string) =>
      app.inject({ method: 'POST', url: `${base}/move`, headers, payload: { from, to } }),
    copy: (from: string, to: string) =>
      app.inject({ method: 'POST', url: `${base}/copy`, headers, payload: { from, to } }),
    raw: (path: string) => app.inject({ url: `${base}/raw/${path}`, headers }),
    putRaw: (path: string, bytes: Buffer, extra: Record<string, string> = {}) =>
      app.inject({
        method: 'PUT',
        url: `${base}/raw/${path}`,
        headers: { ...headers, 'content-type': 'application/octet-stream', ...extra },
        payload: bytes,
      }),
    revisions: async (url: string) => {
      const response = await app.inject({ url: `${base}/${url}`, headers });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<RevisionList>();
    },
    /** `GET …/revisions/<path>?revision=<revision>`: one revision with its content. */
    revision: (path: string, revision: number | string) =>
      app.inject({ url: `${base}/revisions/${path}?revision=${revision}`, headers }),
    restore: (url: string, revision: number) =>
      app.inject({ method: 'POST', url: `${base}/${url}`, headers, payload: { revision } }),
    workspace: async () => {
      const response = await app.inject({ url: `/api/sessions/${workspace.uuid}`, headers });
      return response.json<Workspace>();
    },
  };
}

const statusOf = (response: LightMyRequestResponse) => response.statusCode;

forEachDatabase('files API (/api/workspace/{uuid}/…)', (ctx) => {
  let alice: TestUser;
  beforeAll(async () => {
    alice = await registerUser(ctx.app, 'files');
  });
  const fresh = async (name = 'files') =>
    workspaceApi(ctx.app, alice, await createWorkspace(ctx.app, alice, name));

  describe('tree and reading', () => {
    it('lists the whole tree with path, type, size, version and updatedAt', async () => {
      const ws = await fresh();
      expect(statusOf(await ws.write('src/lib/util.py', { content: 'x = 1\n' }))).toBe(201);
      const tree = await ws.tree();
      expect(tree).toHaveLength(4);
      const byPath = new Map(tree.map((entry) => [entry.path, entry]));
      expect(byPath.get('src')).toMatchObject({ type: 'folder', size: 0 });
      expect(byPath.get('src/lib')).toMatchObject({ type: 'folder', size: 0 });
      expect(byPath.get('src/lib/util.py')).toMatchObject({ type: 'file', size: 6, version: 1 });
      expect(byPath.get('script.py')).toMatchObject({ type: 'file', version: 1 });
      for (const entry of tree) expect(Number.isNaN(Date.parse(entry.updatedAt))).toBe(false);
    });

    it('reads text as utf-8 and anything else as base64', async () => {
      const ws = await fresh();
      const text = 'héllo 🌍\nline two\n';
      await ws.write('text.txt', { content: text });
      expect(await ws.read('text.txt')).toMatchObject({
        path: 'text.txt',
        content: text,
        encoding: 'utf-8',
        version: 1,
        size: Buffer.byteLength(text),
        sha256: sha256(Buffer.from(text)),
      });

      for (const bytes of [Buffer.from([0xff, 0xfe, 0x00, 0x41]), Buffer.from('a\u0000b')]) {
        const path = `bin-${bytes[0]!}.dat`;
        await ws.write(path, { content: bytes.toString('base64'), encoding: 'base64' });
        const read = await ws.read(path);
        expect(read.encoding).toBe('base64');
        expect(Buffer.from(read.content, 'base64').equals(bytes)).toBe(true);
        expect(read.size).toBe(bytes.length);
      }
    });

    it('an empty file reads back empty', async () => {
      const ws = await fresh();
      expect(statusOf(await ws.write('empty.txt', { content: '' }))).toBe(201);
      expect(await ws.read('empty.txt')).toMatchObject({ content: '', size: 0, version: 1 });
    });

    it('is 404 for a missing file and 409 for a folder', async () => {
      const ws = await fresh();
      await ws.folder('data');
      expectError(await ws.get('nope.txt'), 404, 'FILE_NOT_FOUND');
      expectError(await ws.get('data/nope.txt'), 404, 'FILE_NOT_FOUND');
      expectError(await ws.get('data'), 409, 'IS_A_FOLDER');
    });

    it('reading works with the session cookie too', async () => {
      const ws = await fresh();
      const response = await ctx.app.inject({
        url: `${ws.base}/file/script.py`,
        headers: withCookie(alice),
      });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('writing', () => {
    it('creates (201, parents as folder rows) and updates (200, next version)', async () => {
      const ws = await fresh();
      const created = await ws.write('a/b/c.txt', { content: 'first' });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({
        path: 'a/b/c.txt',
        version: 1,
        size: 5,
        updatedAt: expect.any(String) as string,
      });
      expect(await ws.paths()).toEqual(['a/', 'a/b/', 'a/b/c.txt', 'script.py']);
      const folderRows = await ctx.db
        .selectFrom('files')
        .select(['path', 'type'])
        .where('workspace_id', '=', (await ws.workspace()).uuid)
        .where('type', '=', 'folder')
        .orderBy('path')
        .execute();
      expect(folderRows).toEqual([
        { path: 'a', type: 'folder' },
        { path: 'a/b', type: 'folder' },
      ]);

      const updated = await ws.write('a/b/c.txt', { content: 'second!' });
      expect(updated.statusCode).toBe(200);
      expect(updated.json()).toMatchObject({ path: 'a/b/c.txt', version: 2, size: 7 });
      expect(await ws.read('a/b/c.txt')).toMatchObject({ content: 'second!', version: 2 });
    });

    it('normalises the path it was given (./, //) to one file', async () => {
      const ws = await fresh();
      await ws.write('./docs//readme.md', { content: 'hi' });
      expect(await ws.paths()).toEqual(['docs/', 'docs/readme.md', 'script.py']);
      expect((await ws.read('docs/readme.md')).content).toBe('hi');
    });

    it('refuses to write under a file (409) or onto a folder (409), writing nothing', async () => {
      const ws = await fresh();
      await ws.folder('dir');
      const before = await ws.paths();
      const underFile = expectError(
        await ws.write('script.py/inner.txt', { content: 'x' }),
        409,
        'NOT_A_FOLDER',
      );
      // The database refuses (migration 0012); the message names the path that is in the way.
      expect(underFile.error.message).toBe('script.py is a file, not a folder.');
      const ontoFolder = expectError(await ws.write('dir', { content: 'x' }), 409, 'IS_A_FOLDER');
      expect(ontoFolder.error.message).toBe('dir is a folder.');
      expect(await ws.paths()).toEqual(before);
    });

    it('refuses invalid base64 and a body without content with 400', async () => {
      const ws = await fresh();
      const before = await ws.paths();
      expectError(
        await ws.write('x.bin', { content: 'not base64!', encoding: 'base64' }),
        400,
        'INVALID_ENCODING',
      );
      expectError(await ws.write('x.bin', { encoding: 'utf-8' }), 400, 'VALIDATION_FAILED');
      expectError(
        await ws.write('x.bin', { content: 'x', encoding: 'latin1' }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(
        await ws.write('x.bin', { content: 'x', baseVersion: -1 }),
        400,
        'VALIDATION_FAILED',
      );
      expect(await ws.paths()).toEqual(before);
    });

    it('a stale baseVersion is 409 with the current version and content, nothing written', async () => {
      const ws = await fresh();
      await ws.write('doc.txt', { content: 'v1' });
      await ws.write('doc.txt', { content: 'v2' });
      const stale = await ws.write('doc.txt', { content: 'mine', baseVersion: 1 });
      const body = expectError(stale, 409, 'VERSION_CONFLICT');
      expect(body.current).toMatchObject({
        path: 'doc.txt',
        content: 'v2',
        encoding: 'utf-8',
        version: 2,
      });
      expect(await ws.read('doc.txt')).toMatchObject({ content: 'v2', version: 2 });
      expect((await ws.revisions('file/doc.txt/revisions')).revisions).toHaveLength(1);

      const fresh_ = await ws.write('doc.txt', { content: 'mine', baseVersion: 2 });
      expect(fresh_.statusCode).toBe(200);
      expect(fresh_.json()).toMatchObject({ version: 3 });
    });

    it('a future baseVersion is a conflict too', async () => {
      const ws = await fresh();
      await ws.write('doc.txt', { content: 'v1' });
      const body = expectError(
        await ws.write('doc.txt', { content: 'x', baseVersion: 7 }),
        409,
        'VERSION_CONFLICT',
      );
      expect(body.current).toMatchObject({ version: 1, content: 'v1' });
    });

    it('baseVersion 0 means create-only', async () => {
      const ws = await fresh();
      expect(statusOf(await ws.write('new.txt', { content: 'one', baseVersion: 0 }))).toBe(201);
      const body = expectError(
        await ws.write('new.txt', { content: 'two', baseVersion: 0 }),
        409,
        'VERSION_CONFLICT',
      );
      expect(body.current).toMatchObject({ content: 'one', version: 1 });
      expect(await ws.read('new.txt')).toMatchObject({ content: 'one', version: 1 });
      // A missing file with a non-zero baseVersion: someone deleted it.
      const gone = expectError(
        await ws.write('missing.txt', { content: 'x', baseVersion: 3 }),
        409,
        'VERSION_CONFLICT',
      );
      expect(gone.current).toBeNull();
      expectError(await ws.get('missing.txt'), 404, 'FILE_NOT_FOUND');
    });
  });

  describe('deleting', () => {
    it('deletes a file', async () => {
      const ws = await fresh();
      await ws.write('gone.txt', { content: 'bye' });
      const response = await ws.remove('gone.txt');
      expect(response.statusCode).toBe(204);
      expectError(await ws.get('gone.txt'), 404, 'FILE_NOT_FOUND');
      expect(await ws.paths()).toEqual(['script.py']);
    });

    it('deletes a folder recursively, and nothing outside it', async () => {
      const ws = await fresh();
      for (const path of ['d/one.txt', 'd/sub/two.txt', 'd/sub/deeper/three.txt', 'dd/keep.txt'])
        await ws.write(path, { content: path });
      await ws.folder('d/empty');
      expect(statusOf(await ws.remove('d'))).toBe(204);
      expect(await ws.paths()).toEqual(['dd/', 'dd/keep.txt', 'script.py']);
    });

    it('is 404 for a missing path', async () => {
      const ws = await fresh();
      expectError(await ws.remove('nothing/here.txt'), 404, 'FILE_NOT_FOUND');
    });
  });

  describe('folders', () => {
    it('creates a folder with its parents (201); an existing folder is fine', async () => {
      const ws = await fresh();
      const response = await ws.folder('x/y/z');
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ path: 'x/y/z', type: 'folder', size: 0 });
      expect(await ws.paths()).toEqual(['script.py', 'x/', 'x/y/', 'x/y/z/']);
      expect(statusOf(await ws.folder('x/y'))).toBe(201);
      expect(await ws.paths()).toEqual(['script.py', 'x/', 'x/y/', 'x/y/z/']);
    });

    it('is 409 where a file is, or under a file', async () => {
      const ws = await fresh();
      const before = await ws.paths();
      expectError(await ws.folder('script.py'), 409, 'ALREADY_EXISTS');
      expectError(await ws.folder('script.py/sub'), 409, 'NOT_A_FOLDER');
      expect(await ws.paths()).toEqual(before);
    });
  });

  describe('moving', () => {
    it('renames a file, keeping its content, creating the new parents', async () => {
      const ws = await fresh();
      await ws.write('old.txt', { content: 'payload' });
      const moved = await ws.move('old.txt', 'new/place/renamed.txt');
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json()).toMatchObject({ path: 'new/place/renamed.txt', type: 'file' });
      expectError(await ws.get('old.txt'), 404, 'FILE_NOT_FOUND');
      expect((await ws.read('new/place/renamed.txt')).content).toBe('payload');
      expect(await ws.paths()).toEqual([
        'new/',
        'new/place/',
        'new/place/renamed.txt',
        'script.py',
      ]);
    });

    it('moves a folder with all its children', async () => {
      const ws = await fresh();
      for (const path of ['src/a.py', 'src/pkg/b.py', 'srcx/c.py'])
        await ws.write(path, { content: `# ${path}` });
      const moved = await ws.move('src', 'lib/src2');
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json()).toMatchObject({ path: 'lib/src2', type: 'folder' });
      expect(await ws.paths()).toEqual([
        'lib/',
        'lib/src2/',
        'lib/src2/a.py',
        'lib/src2/pkg/',
        'lib/src2/pkg/b.py',
        'script.py',
        'srcx/',
        'srcx/c.py',
      ]);
      expect((await ws.read('lib/src2/pkg/b.py')).content).toBe('# src/pkg/b.py');
      expect((await ws.read('srcx/c.py')).content).toBe('# srcx/c.py');
    });

    it('moves folders whose names are not ASCII', async () => {
      const ws = await fresh();
      await ws.write('données/😀/a.txt', { content: 'a' });
      await ws.write('données/b.txt', { content: 'b' });
      expect(statusOf(await ws.move('données', 'data'))).toBe(200);
      expect(await ws.paths()).toEqual([
        'data/',
        'data/b.txt',
        'data/😀/',
        'data/😀/a.txt',
        'script.py',
      ]);
      expect(statusOf(await ws.move('data/😀', 'data/émoji'))).toBe(200);
      expect((await ws.read('data/émoji/a.txt')).content).toBe('a');
    });

    it('is 409 when the target exists, changing nothing', async () => {
      const ws = await fresh();
      await ws.write('one.txt', { content: '1' });
      await ws.write('dir/two.txt', { content: '2' });
      const before = await ws.paths();
      expectError(await ws.move('one.txt', 'script.py'), 409, 'ALREADY_EXISTS');
      expectError(await ws.move('one.txt', 'dir'), 409, 'ALREADY_EXISTS');
      expectError(await ws.move('dir', 'script.py'), 409, 'ALREADY_EXISTS');
      expect(await ws.paths()).toEqual(before);
      expect((await ws.read('one.txt')).content).toBe('1');
      expect((await ws.read('script.py')).version).toBe(1);
    });

    it('is 400 for a folder into itself, 404 for a missing source', async () => {
      const ws = await fresh();
      await ws.write('f/g/h.txt', { content: 'h' });
      const before = await ws.paths();
      expectError(await ws.move('f', 'f/g/f'), 400, 'INVALID_PATH');
      expectError(await ws.move('f', 'f'), 400, 'INVALID_PATH');
      expectError(await ws.move('missing', 'elsewhere'), 404, 'FILE_NOT_FOUND');
      expectError(await ws.move('f/g/h.txt', 'script.py/h.txt'), 409, 'NOT_A_FOLDER');
      expect(await ws.paths()).toEqual(before);
    });
  });

  describe('raw bytes', () => {
    it('serves the bytes with a Content-Type from the extension and the version as ETag', async () => {
      const ws = await fresh();
      const png = makePng(2, 2);
      await ws.putRaw('img/pixel.png', png);
      const image = await ws.raw('img/pixel.png');
      expect(image.statusCode).toBe(200);
      expect(image.headers['content-type']).toBe('image/png');
      expect(image.rawPayload.equals(png)).toBe(true);
      expect(image.headers.etag).toBe('"1"');

      const script = await ws.raw('script.py');
      expect(script.headers['content-type']).toMatch(/^text\/(x-)?python/);
      expect(script.body).toBe((await ws.read('script.py')).content);

      await ws.write('notes.txt', { content: 'n' });
      expect((await ws.raw('notes.txt')).headers['content-type']).toMatch(/^text\/plain/);
      await ws.write('blob.unknownext', { content: 'n' });
      expect((await ws.raw('blob.unknownext')).headers['content-type']).toBe(
        'application/octet-stream',
      );

      await ws.write('notes.txt', { content: 'n2' });
      expect((await ws.raw('notes.txt')).headers.etag).toBe('"2"');
      // A link made for version 1 (?v=1, the previews' cache key) answers the file as it is.
      expect((await ws.raw('notes.txt?v=1')).body).toBe('n2');
      expectError(await ws.raw('notes.txt?v=one'), 400, 'VALIDATION_FAILED');
    });

    it('does not let an uploaded HTML page run script on this origin', async () => {
      const ws = await fresh();
      await ws.write('page.html', { content: '<script>alert(1)</script>' });
      const page = await ws.raw('page.html');
      expect(page.headers['content-security-policy']).toMatch(/sandbox/);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
    });

    it('is 404 for a missing file and 409 for a folder', async () => {
      const ws = await fresh();
      await ws.folder('dir');
      expectError(await ws.raw('missing.png'), 404, 'FILE_NOT_FOUND');
      expectError(await ws.raw('dir'), 409, 'IS_A_FOLDER');
    });

    it('PUT creates (201) and updates (200); If-Match guards against stale writes (412)', async () => {
      const ws = await fresh();
      const created = await ws.putRaw('data.bin', Buffer.from([1, 2, 3]));
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ path: 'data.bin', version: 1, size: 3 });

      const updated = await ws.putRaw('data.bin', Buffer.from([4, 5]), { 'if-match': '"1"' });
      expect(updated.statusCode, updated.body).toBe(200);
      expect(updated.json()).toMatchObject({ version: 2, size: 2 });

      const stale = await ws.putRaw('data.bin', Buffer.from([9, 9, 9, 9]), { 'if-match': '"1"' });
      const body = expectError(stale, 412, 'PRECONDITION_FAILED');
      expect(body.current).toMatchObject({ version: 2 });
      const createOnly = await ws.putRaw('data.bin', Buffer.from([7]), { 'if-match': '0' });
      expectError(createOnly, 412, 'PRECONDITION_FAILED');
      expect((await ws.raw('data.bin')).rawPayload.equals(Buffer.from([4, 5]))).toBe(true);

      const weak = await ws.putRaw('data.bin', Buffer.from([6]), { 'if-match': 'W/"2"' });
      expect(weak.statusCode).toBe(200);
      expectError(
        await ws.putRaw('data.bin', Buffer.from([0]), { 'if-match': 'yesterday' }),
        400,
        'VALIDATION_FAILED',
      );
      expect((await ws.raw('data.bin')).rawPayload.equals(Buffer.from([6]))).toBe(true);
    });

    it('PUT accepts any content type, JSON included, as bytes', async () => {
      const ws = await fresh();
      const json = Buffer.from('{"not": "parsed"}');
      const response = await ws.putRaw('config.json', json, { 'content-type': 'application/json' });
      expect(response.statusCode, response.body).toBe(201);
      expect((await ws.raw('config.json')).rawPayload.equals(json)).toBe(true);
    });
  });

  describe('binary round trip (byte-exact)', () => {
    const png = makePng();
    const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    // Larger than one slice of a sliced read, and not a multiple of it.
    const large = randomBytes(3 * 128 * 1024 + 7);

    it('through PUT raw → GET raw and GET file (base64)', async () => {
      const ws = await fresh();
      for (const [path, bytes] of [
        ['pics/chart.png', png],
        ['all.bin', allBytes],
        ['large.bin', large],
      ] as const) {
        expect(statusOf(await ws.putRaw(path, bytes, { 'content-type': 'image/png' }))).toBe(201);
        const raw = await ws.raw(path);
        expect(raw.rawPayload.equals(bytes)).toBe(true);
        const file = await ws.read(path);
        expect(file.encoding).toBe('base64');
        expect(Buffer.from(file.content, 'base64').equals(bytes)).toBe(true);
        expect(file.sha256).toBe(sha256(bytes));
        expect(file.size).toBe(bytes.length);
      }
    });

    it('through POST file with base64 → GET file and GET raw', async () => {
      const ws = await fresh();
      for (const [path, bytes] of [
        ['chart.png', png],
        ['all.bin', allBytes],
      ] as const) {
        const written = await ws.write(path, {
          content: bytes.toString('base64'),
          encoding: 'base64',
        });
        expect(written.statusCode).toBe(201);
        expect(written.json()).toMatchObject({ size: bytes.length });
        const file = await ws.read(path);
        expect(Buffer.from(file.content, 'base64').equals(bytes)).toBe(true);
        expect((await ws.raw(path)).rawPayload.equals(bytes)).toBe(true);
      }
    });
    it('a large file read while it is overwritten is one whole version, never a mix', async () => {
      const ws = await fresh();
      const versions = [1, 2, 3, 4, 5, 6].map((n) => Buffer.alloc(large.length, n));
      expect(statusOf(await ws.putRaw('busy.bin', versions[0]!))).toBe(201);
      const reads = [];
      const raws = [];
      for (const bytes of versions.slice(1)) {
        reads.push(ws.read('busy.bin'));
        raws.push(ws.raw('busy.bin'));
        await ws.putRaw('busy.bin', bytes);
      }
      const isOneVersion = (bytes: Buffer) => versions.some((version) => version.equals(bytes));
      for (const file of await Promise.all(reads)) {
        const bytes = Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8');
        expect(isOneVersion(bytes)).toBe(true);
        expect(file.sha256).toBe(sha256(bytes));
      }
      for (const raw of await Promise.all(raws)) expect(isOneVersion(raw.rawPayload)).toBe(true);
    });
  });

  describe('revisions', () => {
    it('keeps every overwritten and deleted content; restore brings back the old bytes', async () => {
      const ws = await fresh();
      for (const content of ['one', 'two', 'three']) await ws.write('notes.txt', { content });

      const listed = await ws.revisions('file/notes.txt/revisions');
      expect(listed.path).toBe('notes.txt');
      expect(listed.revisions.map((r) => [r.version, r.reason, r.size])).toEqual([
        [2, 'overwrite', 3],
        [1, 'overwrite', 3],
      ]);
      expect(listed.revisions[1]!.sha256).toBe(sha256(Buffer.from('one')));
      expect(await ws.revisions('revisions/notes.txt')).toEqual(listed);

      const first = listed.revisions.find((r) => r.version === 1)!;
      const restored = await ws.restore('file/notes.txt/restore', first.revision);
      expect(restored.statusCode, restored.body).toBe(200);
      expect(restored.json()).toMatchObject({ path: 'notes.txt', version: 4, size: 3 });
      expect(await ws.read('notes.txt')).toMatchObject({ content: 'one', version: 4 });
      // What the restore replaced ("three") is a revision now.
      const afterRestore = await ws.revisions('revisions/notes.txt');
      expect(afterRestore.revisions[0]).toMatchObject({ version: 3, reason: 'overwrite' });

      expect(statusOf(await ws.remove('notes.txt'))).toBe(204);
      const afterDelete = await ws.revisions('revisions/notes.txt');
      expect(afterDelete.revisions[0]).toMatchObject({ version: 4, reason: 'delete' });
      const second = afterDelete.revisions.find((r) => r.version === 2)!;
      const back = await ws.restore('restore/notes.txt', second.revision);
      expect(back.statusCode, back.body).toBe(200);
      expect((await ws.read('notes.txt')).content).toBe('two');
    });

    it('restores binary content byte for byte, small or larger than a read’s slice', async () => {
      const ws = await fresh();
      for (const bytes of [makePng(4, 4), randomBytes(2 * 128 * 1024 + 3)]) {
        await ws.putRaw('img.png', bytes);
        await ws.putRaw('img.png', Buffer.from('not a png any more'));
        const [revision] = (await ws.revisions('file/img.png/revisions')).revisions;
        expect(statusOf(await ws.restore('file/img.png/restore', revision!.revision))).toBe(200);
        expect((await ws.raw('img.png')).rawPayload.equals(bytes)).toBe(true);
      }
    });

    it('deleting a folder keeps each file as a revision', async () => {
      const ws = await fresh();
      await ws.write('dir/a.txt', { content: 'A' });
      await ws.write('dir/sub/b.txt', { content: 'B' });
      await ws.remove('dir');
      const [revision] = (await ws.revisions('revisions/dir/sub/b.txt')).revisions;
      expect(revision).toMatchObject({ reason: 'delete', version: 1 });
      expect(statusOf(await ws.restore('restore/dir/sub/b.txt', revision!.revision))).toBe(200);
      expect((await ws.read('dir/sub/b.txt')).content).toBe('B');
    });

    it('is 404 for an unknown revision or another file’s revision; an empty list for none', async () => {
      const ws = await fresh();
      await ws.write('a.txt', { content: '1' });
      await ws.write('a.txt', { content: '2' });
      const [revision] = (await ws.revisions('revisions/a.txt')).revisions;
      expectError(await ws.restore('restore/a.txt', 999_999), 404, 'REVISION_NOT_FOUND');
      expectError(await ws.restore('restore/b.txt', revision!.revision), 404, 'REVISION_NOT_FOUND');
      expectError(await ws.restore('restore/a.txt', 0), 400, 'VALIDATION_FAILED');
      // Beyond a 32-bit serial: refused as input, not a database error.
      expectError(await ws.restore('restore/a.txt', 2 ** 31), 400, 'VALIDATION_FAILED');
      expect((await ws.read('a.txt')).content).toBe('2');
      expectError(await ws.get('b.txt'), 404, 'FILE_NOT_FOUND');
      expect((await ws.revisions('revisions/never.txt')).revisions).toEqual([]);
    });

    it('?revision=<id> answers that revision with its content, after overwrites and a delete', async () => {
      const ws = await fresh();
      for (const content of ['one', 'twö']) await ws.write('notes.txt', { content });
      const [overwritten] = (await ws.revisions('revisions/notes.txt')).revisions;
      const response = await ws.revision('notes.txt', overwritten!.revision);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json<RevisionContent>()).toEqual({
        path: 'notes.txt',
        ...overwritten!,
        content: 'one',
        encoding: 'utf-8',
      });

      expect(statusOf(await ws.remove('notes.txt'))).toBe(204);
      const listed = await ws.revisions('revisions/notes.txt');
      const last = listed.revisions[0]!;
      expect(last).toMatchObject({ version: 2, reason: 'delete' });
      const deleted = (await ws.revision('notes.txt', last.revision)).json<RevisionContent>();
      expect(deleted).toMatchObject({ path: 'notes.txt', version: 2, reason: 'delete' });
      expect(deleted.content).toBe('twö');
      expect(deleted.encoding).toBe('utf-8');
      expect(deleted.size).toBe(Buffer.byteLength('twö'));
      expect(deleted.sha256).toBe(sha256(Buffer.from('twö')));
      // Without ?revision the route still lists.
      expect(await ws.revisions('revisions/notes.txt')).toEqual(listed);
    });

    it('a binary revision comes back as base64, byte for byte', async () => {
      const ws = await fresh();
      const png = makePng(4, 4);
      await ws.putRaw('img.png', png);
      await ws.putRaw('img.png', Buffer.from('text now'));
      const [revision] = (await ws.revisions('revisions/img.png')).revisions;
      const read = (await ws.revision('img.png', revision!.revision)).json<RevisionContent>();
      expect(read).toMatchObject({ encoding: 'base64', size: png.length, sha256: sha256(png) });
      expect(Buffer.from(read.content, 'base64').equals(png)).toBe(true);
    });

    it('?revision= of another file or another workspace is 404 REVISION_NOT_FOUND', async () => {
      const ws = await fresh();
      const other = await fresh('other');
      await ws.write('a.txt', { content: '1' });
      await ws.write('a.txt', { content: '2' });
      await ws.write('b.txt', { content: 'b' });
      await other.write('a.txt', { content: 'x' });
      await other.write('a.txt', { content: 'y' });
      const [mine] = (await ws.revisions('revisions/a.txt')).revisions;
      const [theirs] = (await other.revisions('revisions/a.txt')).revisions;
      expectError(await ws.revision('b.txt', mine!.revision), 404, 'REVISION_NOT_FOUND');
      expectError(await ws.revision('never.txt', mine!.revision), 404, 'REVISION_NOT_FOUND');
      expectError(await ws.revision('a.txt', theirs!.revision), 404, 'REVISION_NOT_FOUND');
      expectError(await ws.revision('a.txt', 2_000_000_000), 404, 'REVISION_NOT_FOUND');
      expect((await ws.revision('a.txt', mine!.revision)).json()).toMatchObject({ content: '1' });

      // Someone else's workspace is not found at all, revision or not.
      const mallory = await registerUser(ctx.app, 'revmallory');
      for (const url of [
        `${ws.base}/revisions/a.txt?revision=${mine!.revision}`,
        `${ws.base}/revisions/a.txt`,
      ]) {
        const response = await ctx.app.inject({ url, headers: bearer(mallory) });
        expectError(response, 404, 'WORKSPACE_NOT_FOUND');
      }
    });

    it('?revision= that is not a positive integer is 400', async () => {
      const ws = await fresh();
      await ws.write('a.txt', { content: '1' });
      await ws.write('a.txt', { content: '2' });
      for (const bad of ['0', '-1', '1.5', 'abc', '', ' 1', '1e3', '0x1', '01', '2147483648'])
        expectError(await ws.revision('a.txt', encodeURIComponent(bad)), 400, 'VALIDATION_FAILED');
    });

    it('the OpenAPI document names ?revision and the RevisionContent reply', async () => {
      const spec = (await ctx.app.inject({ url: '/openapi.json' })).json<{
        paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
        components: { schemas: Record<string, { required?: string[] }> };
      }>();
      const route = Object.entries(spec.paths).find(([path]) => path.includes('/revisions/'));
      expect(route?.[1].get?.parameters).toContainEqual(
        expect.objectContaining({ name: 'revision', in: 'query' }),
      );
      expect(JSON.stringify(route?.[1].get)).toContain('#/components/schemas/RevisionContent');
      expect(spec.components.schemas.RevisionContent?.required).toEqual(
        expect.arrayContaining(['path', 'revision', 'content', 'encoding', 'reason', 'createdAt']),
      );
    });

    it('a file really named "revisions" in a folder is a file, not the sub-resource', async () => {
      const ws = await fresh();
      await ws.write('log/revisions', { content: 'my own file' });
      expect((await ws.read('log/revisions')).content).toBe('my own file');
    });

    it('keeps only the last REVISIONS_PER_FILE revisions', async () => {
      const { app } = await ctx.buildApp({ REVISIONS_PER_FILE: '3' });
      const ws = workspaceApi(app, alice, await createWorkspace(app, alice, 'retention'));
      for (let n = 1; n <= 6; n++) await ws.write('r.txt', { content: `v${n}` });
      const { revisions } = await ws.revisions('revisions/r.txt');
      expect(revisions.map((r) => r.version)).toEqual([5, 4, 3]);
      await ws.remove('r.txt');
      const afterDelete = await ws.revisions('revisions/r.txt');
      expect(afterDelete.revisions.map((r) => r.version)).toEqual([6, 5, 4]);
    });
  });

  describe('copying', () => {
    it('copies a folder with everything in it, bytes and all, each copy a new file', async () => {
      const ws = await fresh();
      const png = makePng();
      await ws.write('src/a.py', { content: 'A = 1' });
      await ws.write('src/a.py', { content: 'A = 2' });
      await ws.putRaw('src/pkg/pic.png', png);
      await ws.folder('src/empty');
      await ws.write('srcx/c.py', { content: 'not under src' });
      const size = (await ws.workspace()).sizeBytes;

      const copied = await ws.copy('src', 'lib/src copy');
      expect(copied.statusCode, copied.body).toBe(200);
      expect(copied.json()).toMatchObject({ path: 'lib/src copy', type: 'folder', version: 1 });
      expect(await ws.paths()).toEqual([
        'lib/',
        'lib/src copy/',
        'lib/src copy/a.py',
        'lib/src copy/empty/',
        'lib/src copy/pkg/',
        'lib/src copy/pkg/pic.png',
        'script.py',
        'src/',
        'src/a.py',
        'src/empty/',
        'src/pkg/',
        'src/pkg/pic.png',
        'srcx/',
        'srcx/c.py',
      ]);
      const copy = await ws.read('lib/src copy/a.py');
      expect(copy).toMatchObject({ content: 'A = 2', version: 1 });
      expect((await ws.raw('lib/src copy/pkg/pic.png')).rawPayload.equals(png)).toBe(true);
      expect((await ws.revisions('revisions/lib/src copy/a.py')).revisions).toEqual([]);
      expect((await ws.workspace()).sizeBytes).toBe(size + 5 + png.length);
      // The original is untouched.
      expect(await ws.read('src/a.py')).toMatchObject({ content: 'A = 2', version: 2 });
    });

    it('copies one file; refuses a target that exists, a folder into itself, a missing source', async () => {
      const ws = await fresh();
      expect(statusOf(await ws.copy('script.py', 'script copy.py'))).toBe(200);
      expect((await ws.read('script copy.py')).content).toBe((await ws.read('script.py')).content);
      await ws.write('f/g/h.txt', { content: 'h' });
      const before = await ws.paths();
      expectError(await ws.copy('f', 'script.py'), 409, 'ALREADY_EXISTS');
      expectError(await ws.copy('f', 'f/g/f'), 400, 'INVALID_PATH');
      expectError(await ws.copy('missing', 'elsewhere'), 404, 'FILE_NOT_FOUND');
      expectError(await ws.copy('f/g/h.txt', 'script.py/h.txt'), 409, 'NOT_A_FOLDER');
      expectError(await ws.copy('f', '../f'), 400, 'INVALID_PATH');
      expect(await ws.paths()).toEqual(before);
    });
  });

  describe('sizes and limits', () => {
    it('sizeBytes of the workspace follows writes, overwrites, moves and deletes', async () => {
      const ws = await fresh();
      const start = (await ws.workspace()).sizeBytes;
      expect(start).toBe((await ws.read('script.py')).size);
      await ws.write('a.txt', { content: 'x'.repeat(100) });
      expect((await ws.workspace()).sizeBytes).toBe(start + 100);
      await ws.write('a.txt', { content: 'x'.repeat(40) });
      expect((await ws.workspace()).sizeBytes).toBe(start + 40);
      await ws.putRaw('dir/b.bin', Buffer.alloc(10));
      expect((await ws.workspace()).sizeBytes).toBe(start + 50);
      await ws.move('dir', 'dir2');
      expect((await ws.workspace()).sizeBytes).toBe(start + 50);
      await ws.remove('dir2');
      expect((await ws.workspace()).sizeBytes).toBe(start + 40);
      await ws.remove('a.txt');
      expect((await ws.workspace()).sizeBytes).toBe(start);
    });

    describe('with MAX_FILE_BYTES=1000 and MAX_WORKSPACE_BYTES=1500', () => {
      let limited: ReturnType<typeof workspaceApi>;
      beforeAll(async () => {
        const { app } = await ctx.buildApp({ MAX_FILE_BYTES: '1000', MAX_WORKSPACE_BYTES: '1500' });
        limited = workspaceApi(app, alice, await createWorkspace(app, alice, 'limits'));
      });

      it('a file over the limit is 413 with the limit in the message, nothing written', async () => {
        const size = (await limited.workspace()).sizeBytes;
        const before = await limited.paths();
        const overText = expectError(
          await limited.write('big.txt', { content: 'x'.repeat(1001) }),
          413,
          'FILE_TOO_LARGE',
        );
        expect(overText.error.message).toMatch(/1,?000 bytes/);
        const overBase64 = expectError(
          await limited.write('big.bin', {
            content: Buffer.alloc(1001).toString('base64'),
            encoding: 'base64',
          }),
          413,
          'FILE_TOO_LARGE',
        );
        expect(overBase64.error.message).toMatch(/1,?000 bytes/);
        const overRaw = expectError(
          await limited.putRaw('big.raw', Buffer.alloc(1001)),
          413,
          'FILE_TOO_LARGE',
        );
        expect(overRaw.error.message).toMatch(/1,?000 bytes/);
        expect(await limited.paths()).toEqual(before);
        expect((await limited.workspace()).sizeBytes).toBe(size);
        // Exactly at the limit is fine.
        expect(statusOf(await limited.putRaw('exact.bin', Buffer.alloc(1000)))).toBe(201);
      });

      it('a copy past the workspace limit is 413 and copies nothing', async () => {
        // A file larger than the room it leaves: its copy cannot fit.
        const room = 1500 - (await limited.workspace()).sizeBytes;
        const bytes = Math.floor(room / 2) + 1;
        expect(statusOf(await limited.putRaw('half/a.bin', Buffer.alloc(bytes)))).toBe(201);
        const size = (await limited.workspace()).sizeBytes;
        const before = await limited.paths();
        expectError(await limited.copy('half', 'half copy'), 413, 'WORKSPACE_FULL');
        expect(await limited.paths()).toEqual(before);
        expect((await limited.workspace()).sizeBytes).toBe(size);
        expect(statusOf(await limited.remove('half'))).toBe(204);
      });

      it('a write past the workspace limit is 413 with the limit, nothing written', async () => {
        // Fill the workspace to exactly its limit, in files under the per-file limit.
        let used = (await limited.workspace()).sizeBytes;
        let room = 0;
        for (let n = 0; used < 1500; n++) {
          room = Math.min(1000, 1500 - used);
          expect(statusOf(await limited.putRaw(`fill${n}.bin`, Buffer.alloc(room)))).toBe(201);
          used = (await limited.workspace()).sizeBytes;
        }
        expect(used).toBe(1500);
        const last = (await limited.paths()).filter((path) => path.startsWith('fill')).pop()!;
        const before = await limited.paths();

        const full = expectError(
          await limited.write('one-more.txt', { content: 'x' }),
          413,
          'WORKSPACE_FULL',
        );
        expect(full.error.message).toMatch(/1,?500 bytes/);
        expectError(await limited.putRaw('one-more.bin', Buffer.alloc(1)), 413, 'WORKSPACE_FULL');
        // Growing an existing file is refused too, and keeps the old content.
        expectError(await limited.putRaw(last, Buffer.alloc(room + 1)), 413, 'WORKSPACE_FULL');
        expect((await limited.raw(last)).rawPayload.length).toBe(room);
        expect(await limited.paths()).toEqual(before);
        expect((await limited.workspace()).sizeBytes).toBe(1500);

        // Shrinking frees room.
        expect(statusOf(await limited.putRaw(last, Buffer.alloc(room - 1)))).toBe(200);
        expect(statusOf(await limited.write('one-more.txt', { content: 'x' }))).toBe(201);
      });
    });
  });

  describe('concurrent writers with the same baseVersion', () => {
    it('exactly one wins; the loser gets 409 with the winner’s content', async () => {
      const ws = await fresh();
      for (let round = 0; round < 5; round++) {
        const path = `race-${round}.txt`;
        await ws.write(path, { content: 'base' });
        const [a, b] = await Promise.all([
          ws.write(path, { content: `A${round}`, baseVersion: 1 }),
          ws.write(path, { content: `B${round}`, baseVersion: 1 }),
        ]);
        const statuses = [a.statusCode, b.statusCode].sort();
        expect(statuses).toEqual([200, 409]);
        const [winner, loser] = a.statusCode === 200 ? ['A', b] : ['B', a];
        const conflict = expectError(loser, 409, 'VERSION_CONFLICT');
        expect(conflict.current).toMatchObject({ content: `${winner}${round}`, version: 2 });
        expect(await ws.read(path)).toMatchObject({ content: `${winner}${round}`, version: 2 });
        const { revisions } = await ws.revisions(`revisions/${path}`);
        expect(revisions.map((r) => r.version)).toEqual([1]);
      }
    });

    it('two create-only writers: one 201, one 409', async () => {
      const ws = await fresh();
      const [a, b] = await Promise.all([
        ws.write('new.txt', { content: 'A', baseVersion: 0 }),
        ws.write('new.txt', { content: 'B', baseVersion: 0 }),
      ]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
      const winner = a.statusCode === 201 ? 'A' : 'B';
      expect((await ws.read('new.txt')).content).toBe(winner);
    });

    it('many concurrent writes to one workspace keep sizeBytes exact', async () => {
      const ws = await fresh();
      const start = (await ws.workspace()).sizeBytes;
      const writes = Array.from({ length: 10 }, (_, i) =>
        ws.write(`par/f${i}.txt`, { content: 'y'.repeat(i + 1) }),
      );
      const responses = await Promise.all(writes);
      expect(responses.map(statusOf)).toEqual(Array.from({ length: 10 }, () => 201));
      expect((await ws.workspace()).sizeBytes).toBe(start + 55);
    });
  });
});
