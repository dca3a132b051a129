import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  expectError,
  forEachDatabase,
  registerUser,
  sessionCookie,
  withCookie,
  type TestUser,
} from '../test-support/api-harness';

const setCookieLines = (response: LightMyRequestResponse): string[] => {
  const header = response.headers['set-cookie'];
  return Array.isArray(header) ? header : header === undefined ? [] : [header];
};

forEachDatabase('users API', (ctx) => {
  const countUsers = async () =>
    Number(
      (
        await ctx.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const me = (headers: Record<string, string>) =>
    ctx.app.inject({ method: 'GET', url: '/api/users/me', headers });
  const login = (username: string, password: string, remoteAddress?: string) =>
    ctx.app.inject({
      method: 'POST',
      url: '/api/users/login',
      payload: { username, password },
      ...(remoteAddress !== undefined && { remoteAddress }),
    });

  describe('register', () => {
    it('creates the account, answers 201 {user, token} and sets an HttpOnly SameSite=Lax cookie', async () => {
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username: 'Alice', email: 'Alice@Example.com', password: 'wonderland' },
      });
      expect(response.statusCode).toBe(201);
      const body = response.json<{ user: Record<string, unknown>; token: string }>();
      expect(body.user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
        username: 'alice',
        email: 'alice@example.com',
        createdAt: expect.any(String) as string,
        admin: false,
      });
      expect(Number.isNaN(Date.parse(body.user.createdAt as string))).toBe(false);
      expect(body.token.length).toBeGreaterThan(20);
      const cookie = setCookieLines(response).find((line) => line.startsWith('workcell_session='));
      expect(cookie).toBeDefined();
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
      expect(cookie).toMatch(/;\s*Path=\//i);
      // The page may read that a session exists, never the session itself.
      const hint = setCookieLines(response).find((line) => line.startsWith('workcell_signed_in='));
      expect(hint).toMatch(/^workcell_signed_in=1;/);
      expect(hint).not.toMatch(/HttpOnly/i);

      // The token and the cookie both sign the new user in.
      const viaToken = await me({ authorization: `Bearer ${body.token}` });
      expect(viaToken.json()).toEqual(body.user);
      const viaCookie = await me({ cookie: sessionCookie(response) });
      expect(viaCookie.json()).toEqual(body.user);
    });

    it('stores the username lower-case, and login works in any case and by email', async () => {
      const upper = await login('ALICE', 'wonderland');
      expect(upper.statusCode).toBe(200);
      expect(upper.json<{ user: { username: string } }>().user.username).toBe('alice');
      const byEmail = await login('ALICE@example.COM', 'wonderland');
      expect(byEmail.statusCode).toBe(200);
      expect(byEmail.json<{ user: { username: string } }>().user.username).toBe('alice');
      const row = await ctx.db
        .selectFrom('users')
        .select('username')
        .where('email', '=', 'alice@example.com')
        .executeTakeFirstOrThrow();
      expect(row.username).toBe('alice');
    });

    it.each([
      ['a too short username', { username: 'ab' }],
      ['a too long username', { username: 'a'.repeat(33) }],
      ['a username with a space', { username: 'bad name' }],
      ['a username with an accent', { username: 'émile' }],
      ['a username with a slash', { username: 'a/b/c' }],
      ['an invalid email', { email: 'not-an-email' }],
      ['an email without domain', { email: 'bob@' }],
      ['a 7-character password', { password: 'short12' }],
      ['a 257-character password', { password: 'p'.repeat(257) }],
      ['a missing password', { password: undefined }],
      ['a numeric username', { username: 12345 }],
    ])('refuses %s with 400 VALIDATION_FAILED and creates nothing', async (_, change) => {
      const before = await countUsers();
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/api/users/register',
        payload: {
          username: 'bobby',
          email: 'bobby@example.com',
          password: 'long enough',
          ...change,
        },
      });
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(setCookieLines(response)).toEqual([]);
      expect(await countUsers()).toBe(before);
    });

    it('accepts the bounds: 3 and 32 characters, 8 and 256-character passwords', async () => {
      for (const [username, password] of [
        ['b_3', 'p'.repeat(8)],
        ['b'.repeat(32), 'p'.repeat(256)],
      ] as const) {
        const response = await ctx.app.inject({
          method: 'POST',
          url: '/api/users/register',
          payload: { username, email: `${username}@example.com`, password },
        });
        expect(response.statusCode, response.body).toBe(201);
      }
    });

    it('refuses a taken username (in any case) or email with 409 and creates nothing', async () => {
      const before = await countUsers();
      for (const payload of [
        { username: 'alice', email: 'other1@example.com', password: 'long enough' },
        { username: 'ALICE', email: 'other2@example.com', password: 'long enough' },
        { username: 'alice2', email: 'ALICE@example.com', password: 'long enough' },
      ]) {
        const response = await ctx.app.inject({
          method: 'POST',
          url: '/api/users/register',
          payload,
        });
        expectError(response, 409, 'USERNAME_TAKEN');
      }
      expect(await countUsers()).toBe(before);
    });
  });

  describe('login and logout', () => {
    it('answers a wrong password and an unknown user with the same 401', async () => {
      const wrong = await login('alice', 'not the password');
      const unknown = await login('nobody-here', 'wonderland');
      const wrongBody = expectError(wrong, 401, 'INVALID_CREDENTIALS');
      expect(expectError(unknown, 401, 'INVALID_CREDENTIALS')).toEqual(wrongBody);
      expect(setCookieLines(wrong)).toEqual([]);
    });

    it('refuses malformed logins with 400 rather than failing on the database', async () => {
      for (const [payload, code] of [
        [{ username: 'alice\u0000', password: 'wonderland' }, 'INVALID_NAME'],
        [{ username: '', password: 'wonderland' }, 'VALIDATION_FAILED'],
        [{ username: 'alice' }, 'VALIDATION_FAILED'],
      ] as const) {
        const response = await ctx.app.inject({
          method: 'POST',
          url: '/api/users/login',
          payload,
        });
        expectError(response, 400, code);
      }
    });

    it('sets the session cookie on login and the cookie signs requests in', async () => {
      const response = await login('alice', 'wonderland');
      const cookie = setCookieLines(response).find((line) => line.startsWith('workcell_session='));
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      const viaCookie = await me({ cookie: sessionCookie(response) });
      expect(viaCookie.json<{ username: string }>().username).toBe('alice');
    });

    it('logout revokes the token it was called with, and only that one', async () => {
      const first = (await login('alice', 'wonderland')).json<{ token: string }>().token;
      const second = (await login('alice', 'wonderland')).json<{ token: string }>().token;
      const out = await ctx.app.inject({
        method: 'POST',
        url: '/api/users/logout',
        headers: { authorization: `Bearer ${first}` },
      });
      expect(out.statusCode).toBe(204);
      // The cookie is cleared in the browser.
      const cleared = setCookieLines(out).find((line) => line.startsWith('workcell_session='));
      expect(cleared).toMatch(/workcell_session=;|Max-Age=0|Expires=Thu, 01 Jan 1970/i);
      expectError(await me({ authorization: `Bearer ${first}` }), 401, 'UNAUTHENTICATED');
      expect((await me({ authorization: `Bearer ${second}` })).statusCode).toBe(200);
    });

    it('logout works with the cookie, and the cookie is dead afterwards', async () => {
      const cookie = sessionCookie(await login('alice', 'wonderland'));
      const out = await ctx.app.inject({
        method: 'POST',
        url: '/api/users/logout',
        headers: { cookie, origin: 'http://localhost:8000' },
      });
      expect(out.statusCode).toBe(204);
      for (const name of ['workcell_session', 'workcell_signed_in'])
        expect(setCookieLines(out).find((line) => line.startsWith(`${name}=;`))).toMatch(
          /Expires=/,
        );
      expectError(await me({ cookie }), 401, 'UNAUTHENTICATED');
    });

    it('logout without a session is 401', async () => {
      expectError(
        await ctx.app.inject({ method: 'POST', url: '/api/users/logout' }),
        401,
        'UNAUTHENTICATED',
      );
    });
  });

  describe('sessions and tokens', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(ctx.app, 'tok');
    });

    it('GET /me without, or with a garbage or unknown token, is 401', async () => {
      expectError(await me({}), 401, 'UNAUTHENTICATED');
      expectError(await me({ authorization: 'Bearer nonsense' }), 401, 'UNAUTHENTICATED');
      expectError(
        await me({ authorization: `Bearer wc_${'A'.repeat(43)}` }),
        401,
        'UNAUTHENTICATED',
      );
      expectError(await me({ cookie: 'workcell_session=wc_nope' }), 401, 'UNAUTHENTICATED');
    });

    it('stores tokens only as hashes', async () => {
      const tokens = [
        user.token,
        (await login(user.username, user.password)).json<{ token: string }>().token,
      ];
      const rows = await ctx.db.selectFrom('login_tokens').selectAll().execute();
      expect(rows.length).toBeGreaterThanOrEqual(2);
      const stored = JSON.stringify(rows);
      for (const token of tokens) {
        expect(stored).not.toContain(token);
        expect(stored).not.toContain(token.slice(3)); // without the wc_ prefix
        expect(stored).not.toContain(Buffer.from(token).toString('base64'));
        expect(stored).not.toContain(Buffer.from(token).toString('hex'));
      }
      // …and yet every one of them still authenticates.
      for (const token of tokens) {
        expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(200);
      }
    });

    // These change tokens in the database behind the server's back, as another replica
    // would: with fresh tokens, which the server has not remembered yet (AUTH_CACHE_SECONDS).
    it('an expired token is 401', async () => {
      const token = (await login(user.username, user.password)).json<{ token: string }>().token;
      // Expire every token of the user but the fixture's.
      const fixture = await ctx.db
        .selectFrom('login_tokens')
        .select('id')
        .where('user_id', '=', user.id)
        .orderBy('created_at', 'asc')
        .executeTakeFirstOrThrow();
      await ctx.db
        .updateTable('login_tokens')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('user_id', '=', user.id)
        .where('id', '!=', fixture.id)
        .execute();
      expectError(await me({ authorization: `Bearer ${token}` }), 401, 'UNAUTHENTICATED');
      expect((await me(bearer(user))).statusCode).toBe(200);
    });

    it('use slides the expiry forward (a session in use does not run out)', async () => {
      const token = (await login(user.username, user.password)).json<{ token: string }>().token;
      const soon = new Date(Date.now() + 3600_000);
      await ctx.db
        .updateTable('login_tokens')
        .set({ expires_at: soon, last_used_at: new Date(Date.now() - 3600_000) })
        .where('user_id', '=', user.id)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', new Date())
        .execute();
      expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(200);
      const rows = await ctx.db
        .selectFrom('login_tokens')
        .select('expires_at')
        .where('user_id', '=', user.id)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', new Date())
        .execute();
      const latest = Math.max(...rows.map((row) => row.expires_at.getTime()));
      expect(latest).toBeGreaterThan(soon.getTime() + 24 * 3600_000);
    });
  });

  describe('GET and PATCH /me', () => {
    it('GET /me returns the caller', async () => {
      const user = await registerUser(ctx.app, 'me');
      const response = await me(withCookie(user));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        id: user.id,
        username: user.username,
        email: user.email,
        createdAt: expect.any(String) as string,
        admin: false,
      });
    });

    it('changes the email (normalised), refuses an invalid or taken one', async () => {
      const user = await registerUser(ctx.app, 'mail');
      const other = await registerUser(ctx.app, 'mail');
      const patch = (payload: object) =>
        ctx.app.inject({ method: 'PATCH', url: '/api/users/me', headers: bearer(user), payload });

      const changed = await patch({ email: ` New.${user.username}@Example.org ` });
      expect(changed.statusCode, changed.body).toBe(200);
      const newEmail = `new.${user.username}@example.org`;
      expect(changed.json<{ email: string }>().email).toBe(newEmail);
      expect((await me(bearer(user))).json<{ email: string }>().email).toBe(newEmail);

      expectError(await patch({ email: 'nope' }), 400, 'VALIDATION_FAILED');
      expectError(await patch({ email: other.email }), 409, 'USERNAME_TAKEN');
      expect((await me(bearer(user))).json<{ email: string }>().email).toBe(newEmail);
    });

    it('changing the password needs the current one; success revokes the other sessions only', async () => {
      const user = await registerUser(ctx.app, 'pw');
      const otherSession = (await login(user.username, user.password)).json<{ token: string }>()
        .token;
      const patch = (payload: object) =>
        ctx.app.inject({ method: 'PATCH', url: '/api/users/me', headers: bearer(user), payload });

      expectError(await patch({ password: 'brand new secret' }), 400, 'VALIDATION_FAILED');
      expectError(
        await patch({ password: 'brand new secret', currentPassword: 'wrong guess' }),
        403,
        'WRONG_PASSWORD',
      );
      expectError(
        await patch({ password: 'short', currentPassword: user.password }),
        400,
        'VALIDATION_FAILED',
      );
      // Nothing changed so far: the other session lives, the old password works.
      expect((await me({ authorization: `Bearer ${otherSession}` })).statusCode).toBe(200);

      const changed = await patch({ password: 'brand new secret', currentPassword: user.password });
      expect(changed.statusCode, changed.body).toBe(200);
      expectError(await me({ authorization: `Bearer ${otherSession}` }), 401, 'UNAUTHENTICATED');
      expect((await me(bearer(user))).statusCode).toBe(200);
      expectError(await login(user.username, user.password), 401, 'INVALID_CREDENTIALS');
      expect((await login(user.username, 'brand new secret')).statusCode).toBe(200);
    });

    it('PATCH /me without a session is 401', async () => {
      expectError(
        await ctx.app.inject({
          method: 'PATCH',
          url: '/api/users/me',
          payload: { email: 'x@example.com' },
        }),
        401,
        'UNAUTHENTICATED',
      );
    });
  });

  describe('rate limits (3 a minute)', () => {
    it('limits login per client address with 429 and Retry-After', async () => {
      const { app } = await ctx.buildApp({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
      const attempt = (username: string, remoteAddress: string) =>
        app.inject({
          method: 'POST',
          url: '/api/users/login',
          payload: { username, password: 'wonderland' },
          remoteAddress,
        });
      for (const name of ['alice', 'nobody1', 'nobody2'])
        expect((await attempt(name, '10.0.0.1')).statusCode).not.toBe(429);
      const limited = await attempt('alice', '10.0.0.1');
      expectError(limited, 429, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another address is not affected.
      expect((await attempt('alice', '10.0.0.2')).statusCode).toBe(200);
    });

    it('never locks a username: wrong passwords from other addresses leave its owner in', async () => {
      const { app } = await ctx.buildApp({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
      const attempt = (password: string, remoteAddress: string) =>
        app.inject({
          method: 'POST',
          url: '/api/users/login',
          payload: { username: 'ALICE', password },
          remoteAddress,
        });
      for (const address of ['10.1.0.1', '10.1.0.2', '10.1.0.3'])
        for (let i = 0; i < 3; i++)
          expectError(await attempt('wrong password', address), 401, 'INVALID_CREDENTIALS');
      expect((await attempt('wonderland', '10.1.0.4')).statusCode).toBe(200);
    });

    it('limits register per client address', async () => {
      const { app } = await ctx.buildApp({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
      const attempt = (n: number) =>
        app.inject({
          method: 'POST',
          url: '/api/users/register',
          payload: { username: `rl${n}_user`, email: 'alice@example.com', password: 'long enough' },
          remoteAddress: '10.2.0.1',
        });
      for (const n of [1, 2, 3]) expectError(await attempt(n), 409, 'USERNAME_TAKEN');
      const limited = await attempt(4);
      expectError(limited, 429, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('counts malformed attempts too', async () => {
      const { app } = await ctx.buildApp({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
      const attempt = () =>
        app.inject({
          method: 'POST',
          url: '/api/users/login',
          payload: { username: 'alice' },
          remoteAddress: '10.3.0.1',
        });
      for (let i = 0; i < 3; i++) expectError(await attempt(), 400, 'VALIDATION_FAILED');
      expectError(await attempt(), 429, 'RATE_LIMITED');
    });
  });
});
