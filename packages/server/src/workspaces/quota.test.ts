/**
 * What one user may make the server store: files and their earlier versions count against
 * MAX_USER_BYTES across all their workspaces (old versions go first when it is reached),
 * and workspaces are capped per user.
 */
import { connect, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Usage } from '@workcell/protocol';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';

import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  registerUser,
  type TestUser,
} from '../test-support/api-harness';

const usage = async (app: FastifyInstance, user: TestUser) => {
  const response = await app.inject({ url: '/api/users/me/usage', headers: bearer(user) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Usage>();
};

const write = (
  app: FastifyInstance,
  user: TestUser,
  workspace: string,
  path: string,
  size: number,
) =>
  app.inject({
    method: 'POST',
    url: `/api/workspace/${workspace}/file/${path}`,
    headers: { ...bearer(user), 'content-type': 'application/json' },
    payload: { content: String(size % 10).repeat(size) },
  });

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(20);
  }
}

const revisionCount = async (
  app: FastifyInstance,
  user: TestUser,
  workspace: string,
  path: string,
) =>
  (
    await app.inject({
      url: `/api/workspace/${workspace}/revisions/${path}`,
      headers: bearer(user),
    })
  ).json<{ revisions: unknown[] }>().revisions.length;

forEachDatabase('storage a user can fill', (ctx) => {
  describe('usage', () => {
    it('counts files and their earlier versions, and falls when a workspace is deleted', async () => {
      const user = await registerUser(ctx.app, 'usage');
      const other = await registerUser(ctx.app, 'usage-other');
      expect(await usage(ctx.app, user)).toEqual({
        bytes: 0,
        limitBytes: 1024 * 1024 * 1024,
        workspaces: 0,
        workspaceLimit: 50,
      });
      const { uuid } = await createWorkspace(ctx.app, user, 'counted', 'empty');
      expect((await write(ctx.app, user, uuid, 'a.txt', 1000)).statusCode).toBe(201);
      expect(await usage(ctx.app, user)).toMatchObject({ bytes: 1000, workspaces: 1 });
      // The overwritten 1,000 bytes stay as a revision.
      expect((await write(ctx.app, user, uuid, 'a.txt', 500)).statusCode).toBe(200);
      expect((await usage(ctx.app, user)).bytes).toBe(1500);
      const removed = await ctx.app.inject({
        method: 'DELETE',
        url: `/api/workspace/${uuid}/file/a.txt`,
        headers: bearer(user),
      });
      expect(removed.statusCode).toBe(204);
      expect((await usage(ctx.app, user)).bytes).toBe(1500);
      expect((await usage(ctx.app, other)).bytes).toBe(0);
      const deleted = await ctx.app.inject({
        method: 'DELETE',
        url: `/api/sessions/${uuid}`,
        headers: bearer(user),
      });
      expect(deleted.statusCode).toBe(204);
      expect(await usage(ctx.app, user)).toMatchObject({ bytes: 0, workspaces: 0 });
      expectError(await ctx.app.inject({ url: '/api/users/me/usage' }), 401, 'UNAUTHENTICATED');
    });
  });

  describe('MAX_USER_BYTES', () => {
    it('forgets the oldest earlier versions first, across workspaces, then refuses and changes nothing', async () => {
      const { app } = await ctx.buildApp({ MAX_USER_BYTES: '10000' });
      const user = await registerUser(app, 'quota');
      const first = (await createWorkspace(app, user, 'one', 'empty')).uuid;
      const second = (await createWorkspace(app, user, 'two', 'empty')).uuid;
      for (const size of [4000, 4001])
        expect((await write(app, user, first, 'a.txt', size)).statusCode).toBeLessThan(300);
      expect((await usage(app, user)).bytes).toBe(8001);
      // 12,001 would not fit: the oldest revision (the first 4,000 bytes) goes.
      expect((await write(app, user, first, 'a.txt', 4000)).statusCode).toBe(200);
      expect(await revisionCount(app, user, first, 'a.txt')).toBe(1);
      expect((await usage(app, user)).bytes).toBe(4000 + 4001);
      // Another workspace of the same user: the last revision makes room.
      expect((await write(app, user, second, 'b.txt', 2000)).statusCode).toBe(201);
      expect(await revisionCount(app, user, first, 'a.txt')).toBe(0);
      expect((await usage(app, user)).bytes).toBe(6000);
      // Nothing left to forget: refused, and nothing changed.
      const refused = await write(app, user, second, 'c.txt', 4001);
      expectError(refused, 413, 'USER_QUOTA_EXCEEDED');
      expect((await usage(app, user)).bytes).toBe(6000);
      const missing = await app.inject({
        url: `/api/workspace/${second}/file/c.txt`,
        headers: bearer(user),
      });
      expect(missing.statusCode).toBe(404);
      // Exactly what is left fits.
      expect((await write(app, user, second, 'c.txt', 4000)).statusCode).toBe(201);
      expect((await usage(app, user)).bytes).toBe(10000);
    });
  });

  describe('uploads in progress', () => {
    it('count against MAX_USER_BYTES: one that would not fit beside another being received is refused before its body is read, and fits once that one is abandoned', async () => {
      const KiB = 1024;
      const { app } = await ctx.buildApp({ MAX_USER_BYTES: String(1024 * KiB) });
      const user = await registerUser(app, 'uploader');
      const workspace = (await createWorkspace(app, user, 'uploads', 'empty')).uuid;
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      const put = (path: string, bytes: number, headers: Record<string, string> = {}) =>
        app.inject({
          method: 'PUT',
          url: `/api/workspace/${workspace}/raw/${path}`,
          headers: { ...bearer(user), 'content-type': 'application/octet-stream', ...headers },
          payload: Buffer.alloc(bytes, 7),
        });

      // 600 KiB declared, 1 KiB sent: the server holds the upload, waiting for the rest.
      const slow = connect(port, '127.0.0.1');
      onTestFinished(() => void slow.destroy());
      slow.write(
        [
          `PUT /api/workspace/${workspace}/raw/slow.bin HTTP/1.1`,
          'Host: 127.0.0.1',
          `Authorization: Bearer ${user.token}`,
          'Content-Type: application/octet-stream',
          `Content-Length: ${600 * KiB}`,
          '',
          '',
        ].join('\r\n') + 'x'.repeat(KiB),
      );
      // What the user's usage shows, the held upload included.
      await waitUntil(async () => (await usage(app, user)).bytes === 600 * KiB);
      expectError(await put('second.bin', 500 * KiB), 413, 'USER_QUOTA_EXCEEDED');
      expect(
        (
          await app.inject({
            url: `/api/workspace/${workspace}/file/second.bin`,
            headers: bearer(user),
          })
        ).statusCode,
      ).toBe(404);
      // Small saves are not held up by it.
      expect((await put('small.txt', 10 * KiB)).statusCode).toBe(201);

      slow.destroy();
      await waitUntil(async () => (await usage(app, user)).bytes === 10 * KiB);
      expect((await put('second.bin', 500 * KiB)).statusCode).toBe(201);
      expect((await usage(app, user)).bytes).toBe(510 * KiB);
    });
  });

  describe('MAX_WORKSPACES_PER_USER', () => {
    it('refuses one more with 409 WORKSPACE_LIMIT, also when creations race', async () => {
      const { app } = await ctx.buildApp({ MAX_WORKSPACES_PER_USER: '3' });
      const user = await registerUser(app, 'cap');
      await createWorkspace(app, user, 'first', 'empty');
      const attempts = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          app.inject({
            method: 'POST',
            url: '/api/sessions/',
            headers: bearer(user),
            payload: { name: `racer ${i}` },
          }),
        ),
      );
      expect(attempts.filter((response) => response.statusCode === 201)).toHaveLength(2);
      for (const response of attempts.filter((r) => r.statusCode !== 201))
        expectError(response, 409, 'WORKSPACE_LIMIT');
      expect(await usage(app, user)).toMatchObject({ workspaces: 3, workspaceLimit: 3 });
      // Another user is not affected.
      const other = await registerUser(app, 'cap-other');
      await createWorkspace(app, other, 'theirs', 'empty');
    });
  });
});
