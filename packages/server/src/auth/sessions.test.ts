/**
 * What a signed-in session may do from where, how long it lasts once ended, and what a
 * client hammering the server gets: cross-site changes refused, sockets closed on sign-out,
 * password change and an account being disabled, growing waits after wrong passwords that
 * never keep the owner out, slow and too many connections cut off.
 */
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

import { SIGNED_OUT_CLOSE_CODE } from '@workcell/protocol';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  expectError,
  forEachDatabase,
  registerUser,
  withCookie,
  type TestUser,
} from '../test-support/api-harness';
import { WsClient } from '../test-support/ws-client';
import { AuthService } from './service';

const PUBLIC_URL = 'http://localhost:8000';

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

/** Resolves with how long the server took to close a raw connection. */
function closedAfter(socket: Socket): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
}

forEachDatabase('sessions and requests', (ctx) => {
  let user: TestUser;
  beforeAll(async () => {
    user = await registerUser(ctx.app, 'sess');
  });

  const createWorkspace = (headers: Record<string, string>) =>
    ctx.app.inject({
      method: 'POST',
      url: '/api/sessions/',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'csrf probe' }),
    });
  const workspaceCount = async () =>
    (await ctx.app.inject({ url: '/api/sessions/', headers: bearer(user) })).json<{
      sessions: unknown[];
    }>().sessions.length;

  describe('changes signed in by cookie must come from Workcell’s pages', () => {
    it('refuses another origin, and a cookie without Origin or Sec-Fetch-Site, changing nothing', async () => {
      const before = await workspaceCount();
      for (const headers of [
        { cookie: user.cookie, origin: 'https://evil.example' } as Record<string, string>,
        { cookie: user.cookie, 'sec-fetch-site': 'cross-site' },
        { cookie: user.cookie },
      ]) {
        expectError(await createWorkspace(headers), 403, 'ORIGIN_REJECTED');
      }
      expect(await workspaceCount()).toBe(before);
    });

    it('accepts its own origin (PUBLIC_URL or the page’s host) and same-origin fetches', async () => {
      for (const headers of [
        { cookie: user.cookie, origin: PUBLIC_URL } as Record<string, string>,
        { cookie: user.cookie, origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' },
        withCookie(user),
      ]) {
        const response = await createWorkspace(headers);
        expect(response.statusCode, response.body).toBe(201);
      }
    });

    it('exempts bearer tokens and reads, and refuses a sign-in posted from another site', async () => {
      const response = await createWorkspace({ ...bearer(user), origin: 'https://evil.example' });
      expect(response.statusCode, response.body).toBe(201);
      const read = await ctx.app.inject({
        url: '/api/sessions/',
        headers: { cookie: user.cookie, origin: 'https://evil.example' },
      });
      expect(read.statusCode).toBe(200);
      expectError(
        await ctx.app.inject({
          method: 'POST',
          url: '/api/users/login',
          headers: { origin: 'https://evil.example' },
          payload: { username: user.username, password: user.password },
        }),
        403,
        'ORIGIN_REJECTED',
      );
    });
  });

  describe('wrong passwords', () => {
    it('make the address wait longer each time, while the owner signs in from elsewhere', async () => {
      const { app } = await ctx.buildApp({ AUTH_RATE_LIMIT_PER_MINUTE: '1000' });
      const victim = await registerUser(app, 'victim');
      const attempt = (remoteAddress: string, password: string) =>
        app.inject({
          method: 'POST',
          url: '/api/users/login',
          payload: { username: victim.username, password },
          remoteAddress,
        });
      for (let i = 0; i < 5; i++)
        expectError(await attempt('10.9.0.1', 'guess'), 401, 'INVALID_CREDENTIALS');
      expectError(await attempt('10.9.0.1', 'guess'), 401, 'INVALID_CREDENTIALS');
      const limited = await attempt('10.9.0.1', victim.password);
      expectError(limited, 429, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // The owner, elsewhere, is not kept out.
      expect((await attempt('10.9.0.2', victim.password)).statusCode).toBe(200);
    });

    it('count the client behind a trusted proxy (TRUST_PROXY), and ignore X-Forwarded-For otherwise', async () => {
      const attempts = async (env: Record<string, string>) => {
        const { app } = await ctx.buildApp({ AUTH_RATE_LIMIT_PER_MINUTE: '1000', ...env });
        const victim = await registerUser(app, 'behind-proxy');
        const attempt = (client: string, password: string) =>
          app.inject({
            method: 'POST',
            url: '/api/users/login',
            payload: { username: victim.username, password },
            remoteAddress: '10.8.0.1',
            headers: { 'x-forwarded-for': client },
          });
        for (let i = 0; i < 6; i++) await attempt('203.0.113.7', 'guess');
        return (await attempt('198.51.100.9', victim.password)).statusCode;
      };
      // The ingress at 10.8.0.1 is trusted: the owner, at another address, signs in.
      expect(await attempts({ TRUST_PROXY: '10.8.0.0/16' })).toBe(200);
      // Not trusted: every request is the proxy's, and a forged header changes nothing.
      expect(await attempts({})).toBe(429);
    });

    it('waits grow with each failure past the free ones', async () => {
      const { FailureBackoff } = await import('./failure-backoff');
      let now = 0;
      const backoff = new FailureBackoff(
        { free: 2, baseMs: 1000, maxMs: 60_000, maxKeys: 2 },
        () => now,
      );
      const waits = [];
      for (let i = 0; i < 6; i++) {
        backoff.failed('a');
        waits.push(backoff.waitMs('a'));
      }
      expect(waits).toEqual([0, 0, 1000, 2000, 4000, 8000]);
      now += 8000;
      expect(backoff.waitMs('a')).toBe(0);
      backoff.succeeded('a');
      backoff.failed('a');
      expect(backoff.waitMs('a')).toBe(0);
      // Forgotten a while after the last failure, and the map stays bounded.
      for (let i = 0; i < 3; i++) backoff.failed('b');
      now += 60_001;
      expect(backoff.waitMs('b')).toBe(0);
    });
  });

  describe('a disabled account', () => {
    it('cannot sign in, its tokens stop working, and enabling it lets it back', async () => {
      const admin = await registerUser(ctx.app, 'admin');
      await ctx.services.auth.setAdmin({ username: admin.username }, true);
      const target = await registerUser(ctx.app, 'target');
      const disable = (action: string, as: TestUser) =>
        ctx.app.inject({
          method: 'POST',
          url: `/api/admin/users/${target.id}/${action}`,
          headers: bearer(as),
        });
      expectError(await disable('disable', target), 403, 'ADMIN_ONLY');
      expect((await disable('disable', admin)).statusCode).toBe(204);
      expectError(
        await ctx.app.inject({ url: '/api/users/me', headers: bearer(target) }),
        401,
        'UNAUTHENTICATED',
      );
      const login = () =>
        ctx.app.inject({
          method: 'POST',
          url: '/api/users/login',
          payload: { username: target.username, password: target.password },
        });
      expectError(await login(), 403, 'ACCOUNT_DISABLED');
      expect((await disable('enable', admin)).statusCode).toBe(204);
      expect((await login()).statusCode).toBe(200);
    });
  });

  describe('open sockets of an ended session', () => {
    let port: number;
    let live: FastifyInstance;
    beforeAll(async () => {
      ({ app: live } = await ctx.buildApp({ PUBLIC_URL }));
      port = await listen(live);
    });
    const open = (token: string) => WsClient.connect(`ws://127.0.0.1:${port}/ws`, { token });
    const signIn = async (who: TestUser) =>
      (
        await live.inject({
          method: 'POST',
          url: '/api/users/login',
          payload: { username: who.username, password: who.password },
        })
      ).json<{ token: string }>().token;

    it('close with the signed-out code when it signs out', async () => {
      const who = await registerUser(live, 'ws-logout');
      const socket = await open(who.token);
      const other = await open(await signIn(who));
      const started = Date.now();
      await live.inject({ method: 'POST', url: '/api/users/logout', headers: bearer(who) });
      expect(await socket.whenClosed()).toEqual({ code: SIGNED_OUT_CLOSE_CODE });
      expect(Date.now() - started).toBeLessThan(1000);
      // Another session of the same user is untouched.
      await other.ping();
      await other.close();
    });

    it('close for the other sessions when the password changes', async () => {
      const who = await registerUser(live, 'ws-password');
      const elsewhere = await open(await signIn(who));
      const here = await open(who.token);
      const response = await live.inject({
        method: 'PATCH',
        url: '/api/users/me',
        headers: bearer(who),
        payload: { password: 'a new long password', currentPassword: who.password },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(await elsewhere.whenClosed()).toEqual({ code: SIGNED_OUT_CLOSE_CODE });
      await here.ping();
      await here.close();
    });

    it('close within a second when another process (the CLI) disables the account', async () => {
      const who = await registerUser(live, 'ws-disabled');
      const socket = await open(who.token);
      // A separate AuthService, as `workcell admin disable` has: this server is not told.
      const started = Date.now();
      await new AuthService(ctx.db, 30).setDisabled({ username: who.username }, true);
      expect(await socket.whenClosed()).toEqual({ code: SIGNED_OUT_CLOSE_CODE });
      expect(Date.now() - started).toBeLessThan(2500);
    });
  });

  describe('slow and too many connections', () => {
    it('cuts off a client sending its headers a byte at a time, and a body too slowly', async () => {
      const { app } = await ctx.buildApp({
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
      });
      const port = await listen(app);
      const trickle = (prefix: string, byte: string) => {
        const socket = connect(port, '127.0.0.1');
        const closed = closedAfter(socket);
        socket.write(prefix);
        const timer = setInterval(() => socket.write(byte), 200);
        socket.on('error', () => undefined);
        return closed.finally(() => clearInterval(timer));
      };
      const [headers, body] = await Promise.all([
        trickle('GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'a'),
        trickle(
          'POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
          ' ',
        ),
      ]);
      // Checked once a second: cut off within the timeout plus that.
      expect(headers).toBeLessThan(1000 + 2500);
      expect(body).toBeLessThan(2000 + 2500);
    });

    it('refuses connections from one address beyond the cap, and takes new ones when some close', async () => {
      const { app } = await ctx.buildApp({ MAX_CONNECTIONS_PER_ADDRESS: '3' });
      const port = await listen(app);
      const health = (socket: Socket) =>
        new Promise<string>((resolve) => {
          let text = '';
          socket.on('data', (chunk) => (text += chunk.toString()));
          socket.on('close', () => resolve(text));
          socket.on('error', () => undefined);
          socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        });
      const held = [0, 1, 2].map(() => connect(port, '127.0.0.1'));
      await Promise.all(held.map((s) => new Promise((r) => s.once('connect', r))));
      const extra = connect(port, '127.0.0.1');
      expect(await health(extra)).toBe('');
      held[0]!.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await health(connect(port, '127.0.0.1'))).toMatch(/^HTTP\/1.1 200/);
      for (const socket of held) socket.destroy();
    });
  });
});
