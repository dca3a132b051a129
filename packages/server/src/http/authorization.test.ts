/**
 * The authorisation sweep: for every workspace and file endpoint, someone else's
 * workspace is indistinguishable from a missing one (404, same body) and an anonymous
 * caller gets 401 — with a bearer token and with the session cookie. The table must name
 * every such route the app has, so a new route without an entry fails here.
 */
import { randomUUID } from 'node:crypto';

import type { Workspace } from '@workcell/protocol';
import type { FastifyInstance } from 'fastify';
import { strToU8, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../config';
import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  listRoutes,
  registerUser,
  withCookie,
  type TestUser,
} from '../test-support/api-harness';

interface Fixture {
  uuid: string;
  /** A revision of script.py. */
  revision: number;
}

interface SweepEntry {
  /** The route as the router lists it. */
  route: string;
  /** The request, when it differs from the route (a sub-resource of the same route). */
  name?: string;
  url: (fixture: Fixture) => string;
  payload?: (fixture: Fixture) => object | Buffer;
  headers?: Record<string, string>;
  /**
   * What the owner gets: proof the request is well-formed, so the 404 means "not yours".
   * null: not tried here because it starts a cell (the cell tests cover it).
   */
  ownerStatus: number | null;
}

const ws = (fixture: Fixture) => `/api/workspace/${fixture.uuid}`;

const perWorkspace: SweepEntry[] = [
  { route: 'GET /api/sessions/:uuid', url: (f) => `/api/sessions/${f.uuid}`, ownerStatus: 200 },
  {
    route: 'PATCH /api/sessions/:uuid',
    url: (f) => `/api/sessions/${f.uuid}`,
    payload: () => ({ name: 'taken over' }),
    ownerStatus: 200,
  },
  { route: 'DELETE /api/sessions/:uuid', url: (f) => `/api/sessions/${f.uuid}`, ownerStatus: 204 },
  { route: 'GET /api/workspace/:uuid/files', url: (f) => `${ws(f)}/files`, ownerStatus: 200 },
  {
    route: 'GET /api/workspace/:uuid/file/*',
    url: (f) => `${ws(f)}/file/script.py`,
    ownerStatus: 200,
  },
  {
    route: 'GET /api/workspace/:uuid/file/*',
    name: 'GET file/{path}/revisions',
    url: (f) => `${ws(f)}/file/script.py/revisions`,
    ownerStatus: 200,
  },
  {
    route: 'POST /api/workspace/:uuid/file/*',
    url: (f) => `${ws(f)}/file/script.py`,
    payload: () => ({ content: 'print("pwned")\n' }),
    ownerStatus: 200,
  },
  {
    route: 'POST /api/workspace/:uuid/file/*',
    name: 'POST file/{path}/restore',
    url: (f) => `${ws(f)}/file/script.py/restore`,
    payload: (f) => ({ revision: f.revision }),
    ownerStatus: 200,
  },
  {
    route: 'DELETE /api/workspace/:uuid/file/*',
    url: (f) => `${ws(f)}/file/script.py`,
    ownerStatus: 204,
  },
  {
    route: 'GET /api/workspace/:uuid/revisions/*',
    url: (f) => `${ws(f)}/revisions/script.py`,
    ownerStatus: 200,
  },
  {
    route: 'POST /api/workspace/:uuid/restore/*',
    url: (f) => `${ws(f)}/restore/script.py`,
    payload: (f) => ({ revision: f.revision }),
    ownerStatus: 200,
  },
  {
    route: 'POST /api/workspace/:uuid/folder/*',
    url: (f) => `${ws(f)}/folder/new-folder`,
    ownerStatus: 201,
  },
  {
    route: 'POST /api/workspace/:uuid/move',
    url: (f) => `${ws(f)}/move`,
    payload: () => ({ from: 'script.py', to: 'moved.py' }),
    ownerStatus: 200,
  },
  {
    route: 'POST /api/workspace/:uuid/copy',
    url: (f) => `${ws(f)}/copy`,
    payload: () => ({ from: 'script.py', to: 'copied.py' }),
    ownerStatus: 200,
  },
  {
    route: 'GET /api/workspace/:uuid/raw/*',
    url: (f) => `${ws(f)}/raw/script.py`,
    ownerStatus: 200,
  },
  {
    route: 'PUT /api/workspace/:uuid/raw/*',
    url: (f) => `${ws(f)}/raw/script.py`,
    payload: () => Buffer.from('print("pwned")\n'),
    headers: { 'content-type': 'application/octet-stream' },
    ownerStatus: 200,
  },
  { route: 'GET /api/workspace/:uuid/archive', url: (f) => `${ws(f)}/archive`, ownerStatus: 200 },
  {
    route: 'POST /api/workspace/:uuid/archive',
    url: (f) => `${ws(f)}/archive`,
    payload: () => Buffer.from(zipSync({ 'pwned.py': strToU8('print("pwned")\n') })),
    headers: { 'content-type': 'application/zip' },
    ownerStatus: 200,
  },
  { route: 'GET /api/workspace/:uuid/status', url: (f) => `${ws(f)}/status`, ownerStatus: 200 },
  // The language server's WebSocket: refused before the upgrade; its owner's side is
  // covered by languages/lsp.test.ts (it starts a cell).
  {
    route: 'GET /api/workspace/:uuid/lsp',
    url: (f) => `${ws(f)}/lsp`,
    // A cookie without Workcell's Origin is refused first (403), whoever's workspace it is.
    headers: { origin: new URL(loadConfig({}).PUBLIC_URL).origin },
    ownerStatus: null,
  },
  {
    route: 'GET /api/workspace/:uuid/lsp/source',
    url: (f) => `${ws(f)}/lsp/source?path=${encodeURIComponent('/usr/lib/python3.11/os.py')}`,
    ownerStatus: null,
  },
  {
    route: 'POST /api/workspace/:uuid/ensure-default',
    url: (f) => `${ws(f)}/ensure-default`,
    ownerStatus: 200,
  },
  { route: 'GET /api/workspace/:uuid/cell', url: (f) => `${ws(f)}/cell`, ownerStatus: 200 },
  { route: 'GET /api/workspace/:uuid/state', url: (f) => `${ws(f)}/state`, ownerStatus: 200 },
  {
    route: 'PUT /api/workspace/:uuid/state',
    url: (f) => `${ws(f)}/state`,
    payload: () => ({ editorGroups: [{ tabs: [] }] }),
    ownerStatus: 204,
  },
  {
    route: 'POST /api/workspace/:uuid/format',
    url: (f) => `${ws(f)}/format`,
    payload: () => ({ path: 'script.py', content: 'x=1\n', action: 'format' }),
    ownerStatus: null,
  },
  {
    route: 'GET /api/workspace/:uuid/search',
    url: (f) => `${ws(f)}/search?text=numpy`,
    ownerStatus: 200,
  },
  {
    route: 'POST /api/workspace/:uuid/replace',
    url: (f) => `${ws(f)}/replace`,
    payload: () => ({
      text: 'numpy',
      replacement: 'np',
      files: [{ path: 'script.py', version: 1 }],
    }),
    ownerStatus: null,
  },
  { route: 'POST /api/workspace/:uuid/start', url: (f) => `${ws(f)}/start`, ownerStatus: null },
  {
    route: 'POST /api/workspace/:uuid/run',
    url: (f) => `${ws(f)}/run`,
    payload: () => ({ code: 'print("pwned")' }),
    ownerStatus: null,
  },
  {
    route: 'POST /api/workspace/:uuid/shutdown',
    url: (f) => `${ws(f)}/shutdown`,
    ownerStatus: 200,
  },
  {
    route: 'POST /workspace/:uuid/shutdown',
    name: 'POST /workspace/{uuid}/shutdown (the prototype’s, outside /api)',
    url: (f) => `/workspace/${f.uuid}/shutdown`,
    ownerStatus: 200,
  },
];

/** Routes without a workspace in the URL: anonymous callers get 401. */
const collection: SweepEntry[] = [
  { route: 'GET /api/sessions', url: () => '/api/sessions/', ownerStatus: 200 },
  {
    route: 'POST /api/sessions',
    url: () => '/api/sessions/',
    payload: () => ({ name: 'anonymous' }),
    ownerStatus: 201,
  },
];

const isSwept = (url: string) =>
  url.startsWith('/api/sessions') || url.startsWith('/api/workspace') || url.includes(':uuid');

function send(
  app: FastifyInstance,
  entry: SweepEntry,
  fixture: Fixture,
  credentials: Record<string, string>,
  method = entry.route.split(' ')[0]!,
) {
  const payload = entry.payload?.(fixture);
  return app.inject({
    method: method as 'GET',
    url: entry.url(fixture),
    headers: { ...entry.headers, ...credentials },
    ...(payload !== undefined && method !== 'HEAD' && { payload }),
  });
}

const label = (entry: SweepEntry) => entry.name ?? entry.route;

forEachDatabase('authorisation sweep', (ctx) => {
  let owner: TestUser;
  let intruder: TestUser;
  let target: Fixture;

  /** A workspace of `user` whose script.py has one revision. */
  const prepare = async (user: TestUser): Promise<Fixture> => {
    const workspace: Workspace = await createWorkspace(ctx.app, user, 'sweep');
    await ctx.app.inject({
      method: 'POST',
      url: `/api/workspace/${workspace.uuid}/file/script.py`,
      headers: bearer(user),
      payload: { content: 'print("second version")\n' },
    });
    const revisions = await ctx.app.inject({
      url: `/api/workspace/${workspace.uuid}/revisions/script.py`,
      headers: bearer(user),
    });
    const [revision] = revisions.json<{ revisions: { revision: number }[] }>().revisions;
    return { uuid: workspace.uuid, revision: revision!.revision };
  };

  /** Everything about the target workspace someone could change. */
  const snapshot = async () => ({
    workspace: await ctx.db
      .selectFrom('workspaces')
      .selectAll()
      .where('id', '=', target.uuid)
      .executeTakeFirst(),
    files: await ctx.db
      .selectFrom('files')
      .select(['path', 'type', 'version', 'sha256', 'updated_at'])
      .where('workspace_id', '=', target.uuid)
      .orderBy('path')
      .execute(),
    revisions: await ctx.db
      .selectFrom('file_revisions')
      .select(['id', 'path', 'version'])
      .where('workspace_id', '=', target.uuid)
      .orderBy('id')
      .execute(),
    cell: await ctx.db
      .selectFrom('cells')
      .selectAll()
      .where('workspace_id', '=', target.uuid)
      .executeTakeFirst(),
  });

  beforeAll(async () => {
    owner = await registerUser(ctx.app, 'owner');
    intruder = await registerUser(ctx.app, 'intruder');
    target = await prepare(owner);
    // The intruder has a workspace of their own: being signed in with data changes nothing.
    await prepare(intruder);
  });

  it('the table names every workspace and file route of the app, and only those', () => {
    const routes = listRoutes(ctx.app);
    expect(routes.map((route) => `${route.method} ${route.url}`)).toContain(
      'GET /api/workspace/:uuid/files',
    );
    const swept = routes
      .filter((route) => route.method !== 'HEAD' && isSwept(route.url))
      .map((route) => `${route.method} ${route.url}`);
    const table = [...perWorkspace, ...collection].map((entry) => entry.route);
    expect(new Set(table)).toEqual(new Set(swept));
    // Every route with a workspace in it is checked for other users, not only anonymous ones.
    for (const route of swept.filter((url) => url.includes(':uuid')))
      expect(perWorkspace.map((entry) => entry.route)).toContain(route);
  });

  describe.each([
    ['a bearer token', (user: TestUser) => bearer(user)],
    ['the session cookie', (user: TestUser) => withCookie(user)],
  ])('another signed-in user, with %s', (_, credentials) => {
    it.each(perWorkspace.map((entry) => [label(entry), entry] as const))(
      '%s → 404, the same as a workspace that does not exist',
      async (_name, entry) => {
        const before = await snapshot();
        const theirs = await send(ctx.app, entry, target, credentials(intruder));
        const body = expectError(theirs, 404, 'WORKSPACE_NOT_FOUND');
        const missing = await send(
          ctx.app,
          entry,
          { ...target, uuid: randomUUID() },
          credentials(intruder),
        );
        expect(missing.statusCode).toBe(404);
        expect(missing.json()).toEqual(body);
        if (entry.route.startsWith('GET ')) {
          const head = await send(ctx.app, entry, target, credentials(intruder), 'HEAD');
          expect(head.statusCode).toBe(404);
        }
        expect(await snapshot()).toEqual(before);
      },
    );
  });

  describe('an anonymous caller', () => {
    it.each([...perWorkspace, ...collection].map((entry) => [label(entry), entry] as const))(
      '%s → 401, also with a bad token or cookie',
      async (_name, entry) => {
        const before = await snapshot();
        const attempts: Record<string, string>[] = [
          {},
          { authorization: 'Bearer wc_not-a-real-token' },
          { authorization: `Bearer wc_${'x'.repeat(43)}` },
          {
            authorization: `Basic ${Buffer.from(`${owner.username}:${owner.password}`).toString('base64')}`,
          },
          { cookie: 'workcell_session=wc_forged' },
        ];
        for (const credentials of attempts) {
          expectError(await send(ctx.app, entry, target, credentials), 401, 'UNAUTHENTICATED');
        }
        if (entry.route.startsWith('GET '))
          expect((await send(ctx.app, entry, target, {}, 'HEAD')).statusCode).toBe(401);
        expect(await snapshot()).toEqual(before);
      },
    );

    it('a revoked token is 401 everywhere', async () => {
      const login = await ctx.app.inject({
        method: 'POST',
        url: '/api/users/login',
        payload: { username: owner.username, password: owner.password },
      });
      const token = login.json<{ token: string }>().token;
      await ctx.app.inject({
        method: 'POST',
        url: '/api/users/logout',
        headers: { authorization: `Bearer ${token}` },
      });
      const before = await snapshot();
      for (const entry of [...perWorkspace, ...collection]) {
        const response = await send(ctx.app, entry, target, { authorization: `Bearer ${token}` });
        expect({ route: label(entry), status: response.statusCode }).toEqual({
          route: label(entry),
          status: 401,
        });
      }
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('the owner', () => {
    it.each(
      [...perWorkspace, ...collection]
        .filter((entry) => entry.ownerStatus !== null)
        .flatMap((entry) => [
          [label(entry), 'bearer', entry] as const,
          [label(entry), 'cookie', entry] as const,
        ]),
    )('%s with the %s succeeds', async (_name, via, entry) => {
      const fixture = await prepare(owner);
      const response = await send(
        ctx.app,
        entry,
        fixture,
        via === 'bearer' ? bearer(owner) : withCookie(owner),
      );
      expect(response.statusCode, response.body).toBe(entry.ownerStatus);
      // Gone again, so the owner stays under MAX_WORKSPACES_PER_USER however many routes there are.
      await ctx.db.deleteFrom('workspaces').where('id', '=', fixture.uuid).execute();
    });
  });
});
