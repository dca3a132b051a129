/**
 * The admin API: only administrators (by ADMIN_USERS or granted) reach any of it, every
 * route is in the sweep, what it lists is what the database holds, and each action is in
 * the audit log with who, what and when.
 */
import { randomUUID } from 'node:crypto';

import type {
  AdminCell,
  AdminUserList,
  AdminWorkspace,
  AuditEntry,
  EgressRefusal,
  User,
} from '@workcell/protocol';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';

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
import { recordEgressRefusal } from './egress-refusals';

interface AdminRoute {
  route: string;
  url: (target: { user: string; workspace: string }) => string;
}

/** Every route an administrator alone may use; the first test checks the app has no other. */
const adminRoutes: AdminRoute[] = [
  { route: 'GET /api/users', url: () => '/api/users/?q=a' },
  { route: 'POST /api/admin/users/:id/:action', url: (t) => `/api/admin/users/${t.user}/disable` },
  { route: 'GET /api/admin/workspaces', url: () => '/api/admin/workspaces' },
  {
    route: 'POST /api/admin/workspaces/:id/stop-cell',
    url: (t) => `/api/admin/workspaces/${t.workspace}/stop-cell`,
  },
  { route: 'GET /api/admin/cells', url: () => '/api/admin/cells' },
  { route: 'GET /api/admin/egress-refusals', url: () => '/api/admin/egress-refusals' },
  { route: 'GET /api/admin/audit', url: () => '/api/admin/audit' },
];

const isAdminRoute = (method: string, url: string) =>
  url.startsWith('/api/admin') || (method === 'GET' && url === '/api/users');

forEachDatabase('admin API', (ctx) => {
  let app: FastifyInstance;
  /** Named in ADMIN_USERS of `app`. */
  let admin: TestUser;
  let user: TestUser;
  let target: { user: string; workspace: string };

  const as = (who: TestUser, method: 'GET' | 'POST', url: string) =>
    app.inject({ method, url, headers: bearer(who) });
  const audit = async () =>
    (await as(admin, 'GET', '/api/admin/audit')).json<{ entries: AuditEntry[] }>().entries;
  const usersMatching = async (q: string, extra = '') =>
    (
      await as(admin, 'GET', `/api/users/?q=${encodeURIComponent(q)}${extra}`)
    ).json<AdminUserList>();

  beforeAll(async () => {
    admin = await registerUser(ctx.app, 'boss');
    user = await registerUser(ctx.app, 'plain');
    ({ app } = await ctx.buildApp({ ADMIN_USERS: ` ${admin.username.toUpperCase()} , someone` }));
    const workspace = await createWorkspace(ctx.app, user, 'Target workspace');
    target = { user: user.id, workspace: workspace.uuid };
  });

  describe('access', () => {
    it('the table names every admin route of the app', () => {
      const routes = listRoutes(app)
        .filter((route) => route.method !== 'HEAD' && isAdminRoute(route.method, route.url))
        .map((route) => `${route.method} ${route.url}`);
      expect(new Set(routes)).toEqual(new Set(adminRoutes.map((entry) => entry.route)));
    });

    it.each(adminRoutes.map((entry) => [entry.route, entry] as const))(
      '%s: 401 anonymous, 403 ADMIN_ONLY for a user (token or cookie), nothing changed',
      async (_route, entry) => {
        const method = entry.route.split(' ')[0] as 'GET' | 'POST';
        const before = await audit();
        expectError(await app.inject({ method, url: entry.url(target) }), 401, 'UNAUTHENTICATED');
        for (const headers of [bearer(user), withCookie(user)]) {
          const body = expectError(
            await app.inject({ method, url: entry.url(target), headers }),
            403,
            'ADMIN_ONLY',
          );
          expect(body.error.message).toMatch(/ADMIN_USERS|workcell admin grant/);
        }
        expect(await audit()).toEqual(before);
        // The target is untouched: still signed in.
        expect((await as(user, 'GET', '/api/users/me')).statusCode).toBe(200);
      },
    );

    it('ADMIN_USERS makes an admin at request time without writing the database', async () => {
      const me = (await as(admin, 'GET', '/api/users/me')).json<User>();
      expect(me.admin).toBe(true);
      expect((await as(user, 'GET', '/api/users/me')).json<User>().admin).toBe(false);
      const row = await ctx.db
        .selectFrom('users')
        .select('is_admin')
        .where('id', '=', admin.id)
        .executeTakeFirstOrThrow();
      expect(row.is_admin).toBe(false);
      // The app without the name in ADMIN_USERS: the right is gone.
      expectError(
        await ctx.app.inject({ url: '/api/users/', headers: bearer(admin) }),
        403,
        'ADMIN_ONLY',
      );
      expect((await usersMatching(admin.username)).users[0]?.admin).toBe(true);
    });

    it('a grant in the database makes an admin on any app, until revoked', async () => {
      const granted = await registerUser(ctx.app, 'granted');
      await ctx.services.auth.setAdmin({ username: granted.username }, true);
      const response = await ctx.app.inject({ url: '/api/admin/cells', headers: bearer(granted) });
      expect(response.statusCode, response.body).toBe(200);
      await ctx.services.auth.setAdmin({ username: granted.username }, false);
      expectError(
        await ctx.app.inject({ url: '/api/admin/cells', headers: bearer(granted) }),
        403,
        'ADMIN_ONLY',
      );
    });
  });

  describe('users', () => {
    it('lists users with storage, workspaces, last seen and flags; searches and pages', async () => {
      const { users, total } = await usersMatching(user.username);
      expect(total).toBe(1);
      expect(users).toEqual([
        {
          id: user.id,
          username: user.username,
          email: user.email,
          createdAt: expect.any(String) as string,
          lastSeenAt: expect.any(String) as string,
          storageBytes: expect.any(Number) as number,
          workspaceCount: 1,
          disabled: false,
          admin: false,
        },
      ]);
      expect(users[0]!.storageBytes).toBeGreaterThan(0);
      expect(JSON.stringify(users)).not.toMatch(/password|hash/i);
      // By email too, any case; % and _ are literal, not wildcards.
      expect((await usersMatching(user.email.toUpperCase())).total).toBe(1);
      expect((await usersMatching('%')).total).toBe(0);
      const all = await usersMatching('');
      expect(all.total).toBeGreaterThanOrEqual(2);
      const page = await usersMatching('', '&limit=1&offset=1');
      expect(page.users).toEqual([all.users[1]]);
      expect(page.total).toBe(all.total);
      expectError(await as(admin, 'GET', '/api/users/?limit=0'), 400, 'VALIDATION_FAILED');
    });

    it('disable: the existing token stops working, sign-in is refused, the audit says who', async () => {
      const victim = await registerUser(ctx.app, 'victim');
      const started = Date.now();
      const response = await as(admin, 'POST', `/api/admin/users/${victim.id}/disable`);
      expect(response.statusCode, response.body).toBe(204);
      for (const server of [app, ctx.app])
        expectError(
          await server.inject({ url: '/api/users/me', headers: bearer(victim) }),
          401,
          'UNAUTHENTICATED',
        );
      const login = () =>
        app.inject({
          method: 'POST',
          url: '/api/users/login',
          payload: { username: victim.username, password: victim.password },
        });
      expectError(await login(), 403, 'ACCOUNT_DISABLED');
      expect((await usersMatching(victim.username)).users[0]?.disabled).toBe(true);

      const [entry] = await audit();
      expect(entry).toEqual({
        id: expect.any(Number) as number,
        admin: admin.username,
        action: 'user.disable',
        targetKind: 'user',
        targetId: victim.id,
        details: { username: victim.username },
        createdAt: expect.any(String) as string,
      });
      expect(Date.parse(entry!.createdAt)).toBeGreaterThanOrEqual(started - 5000);

      expect((await as(admin, 'POST', `/api/admin/users/${victim.id}/enable`)).statusCode).toBe(
        204,
      );
      expect((await login()).statusCode).toBe(200);
      expect((await audit())[0]).toMatchObject({ action: 'user.enable', targetId: victim.id });
    });

    it('sign-out ends every session of the user, who may sign in again', async () => {
      const other = await registerUser(ctx.app, 'signout');
      const response = await as(admin, 'POST', `/api/admin/users/${other.id}/sign-out`);
      expect(response.statusCode, response.body).toBe(204);
      expectError(await as(other, 'GET', '/api/users/me'), 401, 'UNAUTHENTICATED');
      const login = await app.inject({
        method: 'POST',
        url: '/api/users/login',
        payload: { username: other.username, password: other.password },
      });
      expect(login.statusCode).toBe(200);
      expect((await audit())[0]).toMatchObject({
        admin: admin.username,
        action: 'user.sign-out',
        targetId: other.id,
      });
    });

    it('refuses to disable oneself, an unknown user, an unknown action; nothing audited', async () => {
      const before = await audit();
      expectError(
        await as(admin, 'POST', `/api/admin/users/${admin.id}/disable`),
        403,
        'FORBIDDEN',
      );
      expectError(
        await as(admin, 'POST', `/api/admin/users/${randomUUID()}/disable`),
        404,
        'USER_NOT_FOUND',
      );
      expectError(
        await as(admin, 'POST', `/api/admin/users/${user.id}/delete`),
        400,
        'VALIDATION_FAILED',
      );
      expect(await audit()).toEqual(before);
    });
  });

  describe('workspaces and cells', () => {
    it('lists workspaces with owner, size and cell state; searches by name or owner', async () => {
      const byName = (await as(admin, 'GET', '/api/admin/workspaces?q=target%20WORK')).json<{
        workspaces: AdminWorkspace[];
      }>().workspaces;
      expect(byName).toContainEqual({
        id: target.workspace,
        name: 'Target workspace',
        owner: user.username,
        sizeBytes: expect.any(Number) as number,
        cellState: null,
        usage: null,
      });
      expect(byName.every((workspace) => /target work/i.test(workspace.name))).toBe(true);
      const byOwner = (await as(admin, 'GET', `/api/admin/workspaces?q=${user.username}`)).json<{
        workspaces: AdminWorkspace[];
      }>().workspaces;
      expect(byOwner.map((workspace) => workspace.id)).toEqual([target.workspace]);
    });

    it('lists running cells from the cells table, without figures when another replica runs them', async () => {
      const workspace = await createWorkspace(ctx.app, user, 'Elsewhere');
      await ctx.db
        .insertInto('cells')
        .values({
          workspace_id: workspace.uuid,
          state: 'ready',
          driver: 'local',
          started_at: new Date(),
          replica_id: 'another-replica',
        })
        .execute();
      const cells = (await as(admin, 'GET', '/api/admin/cells')).json<{ cells: AdminCell[] }>()
        .cells;
      expect(cells).toContainEqual({
        workspaceId: workspace.uuid,
        workspaceName: 'Elsewhere',
        owner: user.username,
        state: 'ready',
        startedAt: expect.any(String) as string,
        usage: null,
      });
      await ctx.db.deleteFrom('cells').where('workspace_id', '=', workspace.uuid).execute();
    });

    it('stop-cell answers whether a cell stopped, audits it, and 404s an unknown workspace', async () => {
      const response = await as(
        admin,
        'POST',
        `/api/admin/workspaces/${target.workspace}/stop-cell`,
      );
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ stopped: false });
      expect((await audit())[0]).toMatchObject({
        admin: admin.username,
        action: 'cell.stop',
        targetKind: 'workspace',
        targetId: target.workspace,
        details: { name: 'Target workspace', stopped: false },
      });
      expectError(
        await as(admin, 'POST', `/api/admin/workspaces/${randomUUID()}/stop-cell`),
        404,
        'WORKSPACE_NOT_FOUND',
      );
    });
  });

  describe('egress refusals and the audit log', () => {
    it('egress refusals are what the proxy recorded on this replica, newest first', async () => {
      recordEgressRefusal({
        workspaceId: target.workspace,
        host: 'example.org',
        port: 443,
        reason: 'not on the allow list',
      });
      const { refusals } = (await as(admin, 'GET', '/api/admin/egress-refusals')).json<{
        refusals: EgressRefusal[];
      }>();
      expect(refusals[0]).toMatchObject({ host: 'example.org', workspaceId: target.workspace });
    });

    it('the audit log is newest first and honours limit', async () => {
      const entries = await audit();
      expect(entries.length).toBeGreaterThanOrEqual(3);
      const ids = entries.map((entry) => entry.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const limited = (await as(admin, 'GET', '/api/admin/audit?limit=2')).json<{
        entries: AuditEntry[];
      }>().entries;
      expect(limited).toEqual(entries.slice(0, 2));
    });
  });
});
