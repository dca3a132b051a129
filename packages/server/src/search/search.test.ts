/**
 * Search and replace across a workspace's files through the API, on both databases: what
 * a user sees in the Search view (matches grouped by file, at their line and column) and
 * what a replace leaves behind (one new version per file, undoable, never a clobber).
 */
import type { ReplaceReply, SearchReply } from '@workcell/protocol';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';

import type { FileChangeEvent } from '../files/events';
import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  registerUser,
  type TestUser,
} from '../test-support/api-harness';

const files: Record<string, string> = {
  'app/main.py': 'import os\n\ndef main():\n    print("Hello, World")\n    hello = 1\n',
  'app/util.py': 'def helper(x):\n    return x * 2  # HELLO again\n\nhelloworld = 3\n',
  'tests/test_main.py': 'from app.main import main\n\ndef test_main():\n    main()\n',
  'notes/readme.md': 'Say hello to the workspace.\n',
};

function workspaceApi(app: FastifyInstance, user: TestUser, uuid: string) {
  const base = `/api/workspace/${uuid}`;
  const headers = bearer(user);
  return {
    uuid,
    write: async (path: string, content: string | Buffer) => {
      const payload =
        typeof content === 'string'
          ? { content }
          : { content: content.toString('base64'), encoding: 'base64' };
      const response = await app.inject({
        method: 'POST',
        url: `${base}/file/${path}`,
        headers,
        payload,
      });
      expect(response.statusCode, response.body).toBeLessThan(300);
    },
    read: async (path: string) => {
      const response = await app.inject({ url: `${base}/file/${path}`, headers });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ content: string; version: number }>();
    },
    search: (query: Record<string, string>) =>
      app.inject({ url: `${base}/search?${new URLSearchParams(query).toString()}`, headers }),
    found: async (query: Record<string, string>) => {
      const response = await app.inject({
        url: `${base}/search?${new URLSearchParams(query).toString()}`,
        headers,
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<SearchReply>();
    },
    replace: (body: object) =>
      app.inject({ method: 'POST', url: `${base}/replace`, headers, payload: body }),
    restore: (path: string, revision: number) =>
      app.inject({
        method: 'POST',
        url: `${base}/file/${path}/restore`,
        headers,
        payload: { revision },
      }),
  };
}

type Api = ReturnType<typeof workspaceApi>;

/** Each file's path with the `line:column` of its matches. */
const where = (reply: SearchReply) =>
  Object.fromEntries(
    reply.files.map((file) => [file.path, file.matches.map((m) => `${m.line}:${m.column}`)]),
  );

forEachDatabase('search and replace (/api/workspace/{uuid}/search, /replace)', (ctx) => {
  let alice: TestUser;
  let api: Api;
  const fresh = async () => {
    const workspace = await createWorkspace(ctx.app, alice, 'search', 'empty');
    const fresh = workspaceApi(ctx.app, alice, workspace.uuid);
    for (const [path, content] of Object.entries(files)) await fresh.write(path, content);
    return fresh;
  };
  beforeAll(async () => {
    alice = await registerUser(ctx.app, 'search');
    api = await fresh();
  });

  describe('search', () => {
    it('finds text case-insensitively by default, grouped by file in path order with line, column and preview', async () => {
      const reply = await api.found({ text: 'hello' });
      expect(where(reply)).toEqual({
        'app/main.py': ['4:12', '5:5'],
        'app/util.py': ['2:21', '4:1'],
        'notes/readme.md': ['1:5'],
      });
      const [first] = reply.files[0]!.matches;
      expect(first).toEqual({
        line: 4,
        column: 12,
        length: 5,
        preview: '    print("Hello, World")',
        previewOffset: 11,
      });
      expect(reply.files[0]!.version).toBe(1);
      expect(reply).toMatchObject({
        truncated: false,
        filesSearched: 4,
        filesSkipped: { binary: 0, tooLarge: 0 },
      });
    });

    it('matches case and whole words when asked', async () => {
      expect(where(await api.found({ text: 'HELLO', caseSensitive: 'true' }))).toEqual({
        'app/util.py': ['2:21'],
      });
      expect(where(await api.found({ text: 'hello', wholeWord: 'true' }))).toEqual({
        'app/main.py': ['4:12', '5:5'],
        'app/util.py': ['2:21'],
        'notes/readme.md': ['1:5'],
      });
    });

    it('takes a regular expression with groups, and treats regex characters literally otherwise', async () => {
      const reply = await api.found({ text: 'def (\\w+)\\((\\w*)\\)', regex: 'true' });
      expect(where(reply)).toEqual({
        'app/main.py': ['3:1'],
        'app/util.py': ['1:1'],
        'tests/test_main.py': ['3:1'],
      });
      expect(reply.files[1]!.matches[0]!.length).toBe('def helper(x)'.length);
      expect(where(await api.found({ text: 'x * 2' }))).toEqual({ 'app/util.py': ['2:12'] });
    });

    it('narrows to the files to include and leaves out those to exclude', async () => {
      expect(Object.keys(where(await api.found({ text: 'main', include: 'app/**' })))).toEqual([
        'app/main.py',
      ]);
      expect(Object.keys(where(await api.found({ text: 'hello', include: '*.md' })))).toEqual([
        'notes/readme.md',
      ]);
      expect(
        Object.keys(where(await api.found({ text: 'main', exclude: 'tests/**, util.py' }))),
      ).toEqual(['app/main.py']);
    });

    it('skips binary files and says so', async () => {
      const ws = await fresh();
      await ws.write('data/blob.bin', Buffer.from([0x68, 0x65, 0x6c, 0x6c, 0x6f, 0, 0xff, 0xfe]));
      const reply = await ws.found({ text: 'hello', include: 'data/**' });
      expect(reply.files).toEqual([]);
      expect(reply.filesSkipped.binary).toBe(1);
      expect(reply.filesSearched).toBe(0);
    });

    it('stops at maxResults and says the answer is truncated', async () => {
      const reply = await api.found({ text: 'hello', maxResults: '3' });
      expect(reply.files.flatMap((file) => file.matches)).toHaveLength(3);
      expect(reply.truncated).toBe(true);
    });

    it('finds what the cell wrote (a terminal change synced into the database)', async () => {
      const ws = await fresh();
      // The write the cell sync makes for a file a program wrote in the terminal.
      const workspace = await ctx.services.workspaces.getRow(alice.id, ws.uuid);
      await ctx.services.files.write(
        workspace.id,
        'out/log.txt',
        Buffer.from('written by the terminal: needle\n'),
        { source: 'terminal' },
      );
      expect(where(await ws.found({ text: 'needle' }))).toEqual({ 'out/log.txt': ['1:26'] });
    });

    it('searches a file as it is now after it changed, or was deleted and made again', async () => {
      const ws = await fresh();
      expect(where(await ws.found({ text: 'Say hello' }))).toEqual({ 'notes/readme.md': ['1:1'] });
      await ws.write('notes/readme.md', 'Say goodbye.\n');
      expect(where(await ws.found({ text: 'Say hello' }))).toEqual({});
      const deleted = await ctx.app.inject({
        method: 'DELETE',
        url: `/api/workspace/${ws.uuid}/file/notes/readme.md`,
        headers: bearer(alice),
      });
      expect(deleted.statusCode, deleted.body).toBeLessThan(300);
      // Made again: version 1 once more, with other content.
      await ws.write('notes/readme.md', 'Now hello again.\n');
      expect(where(await ws.found({ text: 'hello', include: '*.md' }))).toEqual({
        'notes/readme.md': ['1:5'],
      });
    });

    it('answers INVALID_REGEX for a pattern that is not one', async () => {
      const body = expectError(
        await api.search({ text: 'def (unclosed', regex: 'true' }),
        400,
        'INVALID_REGEX',
      );
      expect(body.error.message).toMatch(/regular expression/);
    });

    it('refuses a query out of bounds with 400', async () => {
      expectError(await api.search({ text: 'x'.repeat(1001) }), 400, 'VALIDATION_FAILED');
      expectError(await api.search({ text: '' }), 400, 'VALIDATION_FAILED');
      expectError(
        await api.search({ text: 'x', include: 'a,'.repeat(600) }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(await api.search({ text: 'x', maxResults: '100000' }), 400, 'VALIDATION_FAILED');
    });

    it('stops a catastrophic regular expression with SEARCH_TIMEOUT, and the server keeps answering', async () => {
      const ws = await fresh();
      await ws.write('slow.txt', `${'a'.repeat(40)}!\n`);
      const slow = ws.search({ text: '(a+)+$', regex: 'true' });
      // Meanwhile other requests are answered at once.
      const started = Date.now();
      expect((await api.found({ text: 'helper' })).files).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(1000);
      const body = expectError(await slow, 422, 'SEARCH_TIMEOUT');
      expect(body.error.message).toMatch(/too long/);
      expect((await ws.found({ text: 'aaa!' })).files).toHaveLength(1);
    });

    it("answers 404 for another user's workspace, as for one that does not exist", async () => {
      const mallory = await registerUser(ctx.app, 'mallory');
      const theirs = workspaceApi(ctx.app, mallory, api.uuid);
      expectError(await theirs.search({ text: 'hello' }), 404, 'WORKSPACE_NOT_FOUND');
      expectError(
        await theirs.replace({
          text: 'hello',
          replacement: 'x',
          files: [{ path: 'app/main.py', version: 1 }],
        }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
      expect((await api.read('app/main.py')).version).toBe(1);
    });
  });

  it('documents both routes in /openapi.json under the search tag', async () => {
    const response = await ctx.app.inject({ url: '/openapi.json' });
    const spec = response.json<{
      paths: Record<string, Record<string, { tags?: string[]; parameters?: { name: string }[] }>>;
    }>();
    const search = spec.paths['/api/workspace/{uuid}/search']?.get;
    expect(search?.tags).toEqual(['search']);
    expect(search?.parameters?.map((parameter) => parameter.name)).toEqual(
      expect.arrayContaining(['text', 'regex', 'include', 'exclude', 'maxResults']),
    );
    expect(spec.paths['/api/workspace/{uuid}/replace']?.post?.tags).toEqual(['search']);
  });

  describe('replace', () => {
    it('replaces every match with one new version per file, tells the cell and sockets, and restores to undo', async () => {
      const ws = await fresh();
      const found = await ws.found({ text: 'hello', wholeWord: 'true' });
      const events: FileChangeEvent[] = [];
      const stop = ctx.services.files.onChange((event) => events.push(event));
      const response = await ws.replace({
        text: 'hello',
        wholeWord: true,
        replacement: 'greeting',
        files: found.files.map(({ path, version }) => ({ path, version })),
      });
      stop();
      expect(response.statusCode, response.body).toBe(200);
      const reply = response.json<ReplaceReply>();
      expect(
        reply.files.map(({ path, version, previousVersion, replacements }) => ({
          path,
          version,
          previousVersion,
          replacements,
        })),
      ).toEqual([
        { path: 'app/main.py', version: 2, previousVersion: 1, replacements: 2 },
        { path: 'app/util.py', version: 2, previousVersion: 1, replacements: 1 },
        { path: 'notes/readme.md', version: 2, previousVersion: 1, replacements: 1 },
      ]);
      expect((await ws.read('app/main.py')).content).toBe(
        'import os\n\ndef main():\n    print("greeting, World")\n    greeting = 1\n',
      );
      expect((await ws.read('app/util.py')).content).toContain(
        '# greeting again\n\nhelloworld = 3',
      );
      expect(events.map(({ path, version, type }) => ({ path, version, type }))).toEqual([
        { path: 'app/main.py', version: 2, type: 'file' },
        { path: 'app/util.py', version: 2, type: 'file' },
        { path: 'notes/readme.md', version: 2, type: 'file' },
      ]);
      for (const file of reply.files) {
        expect(file.revision).toEqual(expect.any(Number));
        const restored = await ws.restore(file.path, file.revision!);
        expect(restored.statusCode, restored.body).toBeLessThan(300);
        expect((await ws.read(file.path)).content).toBe(files[file.path]);
      }
    });

    it('replaces only the matches named, expanding groups of a regular expression', async () => {
      const ws = await fresh();
      const found = await ws.found({ text: 'def (\\w+)\\(', regex: 'true', include: 'app/**' });
      const response = await ws.replace({
        text: 'def (\\w+)\\(',
        regex: true,
        replacement: 'def $1_v2(',
        files: [
          {
            path: 'app/util.py',
            version: found.files[1]!.version,
            matches: [{ line: 1, column: 1 }],
          },
        ],
      });
      expect(response.statusCode, response.body).toBe(200);
      expect((await ws.read('app/util.py')).content).toMatch(/^def helper_v2\(x\):/);
      expect((await ws.read('app/main.py')).version).toBe(1);
    });

    it('refuses a file changed since the search with VERSION_CONFLICT and changes nothing', async () => {
      const ws = await fresh();
      const found = await ws.found({ text: 'hello' });
      await ws.write('app/util.py', `${files['app/util.py']}# hello, edited\n`);
      const response = await ws.replace({
        text: 'hello',
        replacement: 'bye',
        files: found.files.map(({ path, version }) => ({ path, version })),
      });
      const body = expectError(response, 409, 'VERSION_CONFLICT');
      expect(body.error.message).toContain('app/util.py');
      expect(await ws.read('app/main.py')).toMatchObject({
        version: 1,
        content: files['app/main.py'],
      });
      expect((await ws.read('notes/readme.md')).version).toBe(1);
    });

    it('refuses an invalid pattern and an unbounded body', async () => {
      expectError(
        await api.replace({
          text: '(',
          regex: true,
          replacement: '',
          files: [{ path: 'a.py', version: 1 }],
        }),
        400,
        'INVALID_REGEX',
      );
      expectError(
        await api.replace({
          text: 'x',
          replacement: 'y'.repeat(10_001),
          files: [{ path: 'a.py', version: 1 }],
        }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(
        await api.replace({ text: 'x', replacement: 'y', files: [] }),
        400,
        'VALIDATION_FAILED',
      );
    });
  });
});
