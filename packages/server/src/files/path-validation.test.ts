/**
 * Every route that takes a workspace path refuses a bad one with 400 INVALID_PATH and
 * stores nothing. URLs are sent exactly as written (injectRaw): `app.inject` would resolve
 * `..`, `%2e%2e` and backslashes itself, and a hostile client does not.
 */
import { nameProblem, type Workspace } from '@workcell/protocol';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  injectRaw,
  registerUser,
  type TestUser,
} from '../test-support/api-harness';

const enc = (text: string) => encodeURIComponent(text);
const encPath = (path: string) => path.split('/').map(enc).join('/');

/** The root is bad as a whole path but fine followed by a name (`./revisions`). */
const ROOT = '.';

/** Bad paths as they appear in a URL. */
const badUrlPaths: [string, string][] = [
  ['the root', ROOT],
  ['a slash only', '/'],
  ['..', '..'],
  ['../ at the start', '../etc/passwd'],
  ['.. in the middle', 'a/../../b'],
  ['.. at the end', 'a/..'],
  ['%2e%2e', '%2e%2e/x'],
  ['%2E%2E', '%2E%2E'],
  ['a/%2e%2e/b', 'a/%2e%2e/b'],
  ['.%2e', '.%2e/x'],
  ['an encoded slash', 'a%2Fb'],
  ['an encoded slash (lower case)', 'a%2fb/c'],
  ['encoded slashes making an absolute path', '%2Fetc%2Fpasswd'],
  ['an absolute path', '/etc/passwd'],
  ['a doubled leading slash', '//etc/passwd'],
  ['backslashes', '\\etc\\passwd'],
  ['a backslash inside', 'a\\b'],
  ['an encoded backslash', 'a%5Cb'],
  ['a UNC path', '%5C%5Cserver%5Cshare'],
  ['NUL', '%00'],
  ['NUL inside', 'a%00b'],
  ['NUL before an extension', 'a.py%00.txt'],
  ['SOH', '%01'],
  ['a newline', 'a%0Ab'],
  ['a carriage return', 'a%0D'],
  ['unit separator', '%1F'],
  ['DEL', '%7F'],
  ['a C1 control (NEL)', '%C2%85'],
  ['invalid UTF-8', 'a%FFb'],
  ['a truncated UTF-8 sequence', '%C3'],
  ['a lone surrogate', '%ED%A0%80'],
  ['malformed percent-encoding', 'a%zzb'],
  ['a 256-byte segment', 'a'.repeat(256)],
  ['a 256-byte segment of 2-byte characters', enc('é'.repeat(128))],
  ['a 1,025-byte path', [...Array<string>(4).fill('b'.repeat(204)), 'b'.repeat(205)].join('/')],
  ['a 3,000-byte path', Array<string>(30).fill('c'.repeat(99)).join('/')],
  [
    'a very long encoded path',
    Array<string>(12)
      .fill(enc('é'.repeat(120)))
      .join('/'),
  ],
];

/** Bad paths as they appear in a JSON body (already decoded). */
/** A control character makes a bad name (INVALID_NAME); the rest is the path's shape. */
function expectedCode(path: string): 'INVALID_PATH' | 'INVALID_NAME' {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // not percent-encoded: as it is
  }
  return nameProblem(decoded) ? 'INVALID_NAME' : 'INVALID_PATH';
}

const badBodyPaths: [string, string][] = [
  ['empty', ''],
  ['the root', '.'],
  ['..', '..'],
  ['../ at the start', '../etc/passwd'],
  ['.. in the middle', 'a/../../b'],
  ['an absolute path', '/etc/passwd'],
  ['a doubled leading slash', '//etc/passwd'],
  ['backslashes', '\\etc\\passwd'],
  ['a backslash inside', 'a\\b'],
  ['NUL', 'a\u0000b'],
  ['a newline', 'a\nb'],
  ['DEL', 'a\u007f'],
  ['a C1 control', 'a\u0085'],
  ['a lone surrogate', 'a\ud800b'],
  ['a 256-byte segment', 'a'.repeat(256)],
  ['a 1,025-byte path', [...Array<string>(4).fill('b'.repeat(204)), 'b'.repeat(205)].join('/')],
];

/** Every route with a path in its URL, and what it is sent. */
const urlEndpoints: {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: (path: string) => string;
  payload?: object;
  headers?: Record<string, string>;
  /** `file/{path}/revisions|restore`: the path is followed by a name. */
  subResource?: boolean;
}[] = [
  { name: 'GET file', method: 'GET', url: (p) => `file/${p}` },
  { name: 'POST file', method: 'POST', url: (p) => `file/${p}`, payload: { content: 'pwned' } },
  { name: 'DELETE file', method: 'DELETE', url: (p) => `file/${p}` },
  { name: 'POST folder', method: 'POST', url: (p) => `folder/${p}` },
  { name: 'GET raw', method: 'GET', url: (p) => `raw/${p}` },
  {
    name: 'PUT raw',
    method: 'PUT',
    url: (p) => `raw/${p}`,
    payload: Buffer.from('pwned'),
    headers: { 'content-type': 'application/octet-stream' },
  },
  { name: 'GET revisions', method: 'GET', url: (p) => `revisions/${p}` },
  {
    name: 'GET file/…/revisions',
    method: 'GET',
    url: (p) => `file/${p}/revisions`,
    subResource: true,
  },
  { name: 'POST restore', method: 'POST', url: (p) => `restore/${p}`, payload: { revision: 1 } },
  {
    name: 'POST file/…/restore',
    method: 'POST',
    url: (p) => `file/${p}/restore`,
    payload: { revision: 1 },
    subResource: true,
  },
];

forEachDatabase('workspace path validation', (ctx) => {
  let user: TestUser;
  let workspace: Workspace;
  let base: string;
  beforeAll(async () => {
    user = await registerUser(ctx.app, 'paths');
    workspace = await createWorkspace(ctx.app, user, 'paths');
    base = `/api/workspace/${workspace.uuid}`;
    // Something to find, delete or restore, should a bad path ever resolve to it.
    for (const content of ['one', 'two'])
      await ctx.app.inject({
        method: 'POST',
        url: `${base}/file/etc/passwd`,
        headers: bearer(user),
        payload: { content },
      });
  });

  const send = (endpoint: (typeof urlEndpoints)[number], path: string) =>
    injectRaw(ctx.app, `${base}/${endpoint.url(path)}`, {
      method: endpoint.method,
      headers: { ...bearer(user), ...endpoint.headers },
      ...(endpoint.payload !== undefined && { payload: endpoint.payload }),
    });

  /** Everything a bad request could have changed. */
  const snapshot = async () => ({
    files: await ctx.db
      .selectFrom('files')
      .select(['path', 'type', 'version', 'sha256'])
      .orderBy('path')
      .execute(),
    revisions: await ctx.db
      .selectFrom('file_revisions')
      .select(['id', 'path'])
      .orderBy('id')
      .execute(),
    sizeBytes: (
      await ctx.db
        .selectFrom('workspaces')
        .select('size_bytes')
        .where('id', '=', workspace.uuid)
        .executeTakeFirstOrThrow()
    ).size_bytes,
  });

  describe('in the URL', () => {
    it.each(badUrlPaths)(
      '%s → 400 INVALID_PATH (INVALID_NAME for a character no name may hold) on every route, nothing stored',
      async (_, path) => {
        const before = await snapshot();
        for (const endpoint of urlEndpoints) {
          if (path === ROOT && endpoint.subResource) continue;
          const response = await send(endpoint, path);
          expect({ endpoint: endpoint.name, status: response.statusCode }, response.body).toEqual({
            endpoint: endpoint.name,
            status: 400,
          });
          expectError(response, 400, expectedCode(path));
        }
        expect(await snapshot()).toEqual(before);
      },
    );
  });

  describe('in a move body', () => {
    it.each(badBodyPaths)(
      '%s → 400 INVALID_PATH or INVALID_NAME as from or to, nothing moved',
      async (_, path) => {
        const before = await snapshot();
        for (const payload of [
          { from: path, to: 'moved.txt' },
          { from: 'etc/passwd', to: path },
          { from: 'etc', to: path },
        ]) {
          const response = await ctx.app.inject({
            method: 'POST',
            url: `${base}/move`,
            headers: bearer(user),
            payload,
          });
          expectError(response, 400, expectedCode(path));
        }
        expect(await snapshot()).toEqual(before);
      },
    );
  });

  it('an empty path matches no route (404), nothing stored', async () => {
    const before = await snapshot();
    for (const endpoint of urlEndpoints.filter((e) => !e.subResource))
      expectError(await send(endpoint, ''), 404, 'NOT_FOUND');
    expect(await snapshot()).toEqual(before);
  });

  describe('good paths that look odd are accepted', () => {
    it.each([
      ['spaces and unicode', encPath('my data/données 🌍.txt'), 'my data/données 🌍.txt'],
      ['dots inside names', '..hidden/a..b/...', '..hidden/a..b/...'],
      ['a literal %2e%2e name (double-encoded)', '%252e%252e', '%2e%2e'],
      ['./ and // (normalised)', './x//y/./z.txt', 'x/y/z.txt'],
      ['a 255-byte segment', 'd'.repeat(255), 'd'.repeat(255)],
      [
        'a 1,024-byte path',
        Array<string>(5).fill('e'.repeat(204)).join('/'),
        Array<string>(5).fill('e'.repeat(204)).join('/'),
      ],
      [
        'a 1,019-byte path of 2-byte characters (3,051 URL characters)',
        Array<string>(4)
          .fill(enc('é'.repeat(127)))
          .join('/'),
        Array<string>(4).fill('é'.repeat(127)).join('/'),
      ],
    ])('%s', async (_, urlPath, stored) => {
      const written = await injectRaw(ctx.app, `${base}/file/${urlPath}`, {
        method: 'POST',
        headers: bearer(user),
        payload: { content: stored },
      });
      expect(written.statusCode, written.body).toBe(201);
      expect(written.json<{ path: string }>().path).toBe(stored);
      const read = await ctx.app.inject({
        url: `${base}/file/${encPath(stored)}`,
        headers: bearer(user),
      });
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json<{ content: string }>().content).toBe(stored);
      const raw = await injectRaw(ctx.app, `${base}/raw/${urlPath}`, { headers: bearer(user) });
      expect(raw.body).toBe(stored);
    });
  });
});
