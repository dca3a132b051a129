import type { Workspace } from '@workcell/protocol';
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

const MISSING = '00000000-0000-4000-8000-000000000000';

forEachDatabase('workspaces API (/api/sessions)', (ctx) => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    alice = await registerUser(ctx.app, 'alice');
    bob = await registerUser(ctx.app, 'bob');
  });

  const list = async (user: TestUser) => {
    const response = await ctx.app.inject({ url: '/api/sessions/', headers: bearer(user) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ sessions: Workspace[] }>().sessions;
  };
  const get = (user: TestUser, uuid: string, query = '') =>
    ctx.app.inject({ url: `/api/sessions/${uuid}${query}`, headers: bearer(user) });
  const fileRows = (workspaceId: string) =>
    ctx.db.selectFrom('files').select('path').where('workspace_id', '=', workspaceId).execute();

  describe('create', () => {
    it('answers 201 with uuid, name and timestamps; hello-numpy gives a script.py using numpy', async () => {
      const before = await list(bob);
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/api/sessions',
        headers: withCookie(bob),
        payload: { name: '  Analysis  ', template: 'hello-numpy' },
      });
      expect(response.statusCode, response.body).toBe(201);
      const workspace = response.json<Workspace>();
      expect(workspace).toEqual({
        uuid: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        ) as string,
        name: 'Analysis',
        sizeBytes: expect.any(Number) as number,
        createdAt: expect.any(String) as string,
        updatedAt: expect.any(String) as string,
        openedAt: expect.any(String) as string,
      });
      for (const stamp of [workspace.createdAt, workspace.updatedAt, workspace.openedAt])
        expect(Number.isNaN(Date.parse(stamp))).toBe(false);

      const tree = await ctx.app.inject({
        url: `/api/workspace/${workspace.uuid}/files`,
        headers: bearer(bob),
      });
      expect(tree.json<{ files: { path: string; type: string }[] }>().files).toEqual([
        expect.objectContaining({ path: 'script.py', type: 'file' }),
      ]);
      const script = await ctx.app.inject({
        url: `/api/workspace/${workspace.uuid}/file/script.py`,
        headers: bearer(bob),
      });
      const { content, encoding, size } = script.json<{
        content: string;
        encoding: string;
        size: number;
      }>();
      expect(encoding).toBe('utf-8');
      expect(content).toMatch(/^\s*(import numpy|from numpy)/m);
      expect(content).toMatch(/print\(/);
      expect(workspace.sizeBytes).toBe(size);
      expect(size).toBe(Buffer.byteLength(content));

      expect((await list(bob)).map((entry) => entry.uuid)).toEqual([
        workspace.uuid,
        ...before.map((entry) => entry.uuid),
      ]);
    });

    it.each([
      ['an empty name', { name: '' }, 'VALIDATION_FAILED'],
      ['a blank name', { name: '   ' }, 'VALIDATION_FAILED'],
      ['a 101-character name', { name: 'n'.repeat(101) }, 'VALIDATION_FAILED'],
      ['a name with NUL', { name: 'a\u0000b' }, 'INVALID_NAME'],
      ['a name with a newline', { name: 'a\nb' }, 'INVALID_NAME'],
      ['no name', {}, 'VALIDATION_FAILED'],
      ['a numeric name', { name: 42 }, 'VALIDATION_FAILED'],
    ])('refuses %s with 400 and creates nothing', async (_, payload, code) => {
      const before = await list(bob);
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/api/sessions/',
        headers: bearer(bob),
        payload,
      });
      expectError(response, 400, code);
      expect(await list(bob)).toEqual(before);
    });

    it('accepts a 100-character and a non-ASCII name', async () => {
      for (const name of ['n'.repeat(100), 'Données météo 🌦']) {
        const workspace = await createWorkspace(ctx.app, bob, name);
        expect(workspace.name).toBe(name);
      }
    });
  });

  describe('list', () => {
    it("lists only the caller's workspaces, most recently opened first", async () => {
      const carol = await registerUser(ctx.app, 'carol');
      expect(await list(carol)).toEqual([]);
      const first = await createWorkspace(ctx.app, carol, 'first');
      const second = await createWorkspace(ctx.app, carol, 'second');
      const third = await createWorkspace(ctx.app, carol, 'third');
      expect((await list(carol)).map((entry) => entry.name)).toEqual(['third', 'second', 'first']);

      // Opening a workspace (the prototype's ensure-default on open) moves it to the top.
      const opened = await ctx.app.inject({
        method: 'POST',
        url: `/api/workspace/${first.uuid}/ensure-default`,
        headers: bearer(carol),
      });
      expect(opened.statusCode).toBe(200);
      const after = await list(carol);
      expect(after.map((entry) => entry.uuid)).toEqual([first.uuid, third.uuid, second.uuid]);
      expect(Date.parse(after[0]!.openedAt)).toBeGreaterThan(Date.parse(first.openedAt));

      // So does opening it in the IDE (GET /api/sessions/{uuid}), with openedAt in the reply.
      const opened2 = await get(carol, second.uuid);
      expect(opened2.statusCode).toBe(200);
      const reopened = await list(carol);
      expect(reopened.map((entry) => entry.uuid)).toEqual([second.uuid, first.uuid, third.uuid]);
      expect(reopened[0]!.openedAt).toBe(opened2.json<Workspace>().openedAt);
      expect(Date.parse(reopened[0]!.openedAt)).toBeGreaterThanOrEqual(
        Date.parse(after[0]!.openedAt),
      );
      // Renaming, writing files and listing do not count as opening.
      await ctx.app.inject({
        method: 'PATCH',
        url: `/api/sessions/${third.uuid}`,
        headers: bearer(carol),
        payload: { name: 'third, renamed' },
      });
      await ctx.app.inject({
        method: 'POST',
        url: `/api/workspace/${third.uuid}/file/notes.txt`,
        headers: bearer(carol),
        payload: { content: 'x' },
      });
      expect((await list(carol)).map((entry) => entry.uuid)).toEqual([
        second.uuid,
        first.uuid,
        third.uuid,
      ]);

      const others = await list(alice);
      for (const workspace of [first, second, third])
        expect(others.map((entry) => entry.uuid)).not.toContain(workspace.uuid);
    });
  });

  describe('get, rename, delete', () => {
    let workspace: Workspace;
    beforeAll(async () => {
      workspace = await createWorkspace(ctx.app, alice, 'Original');
    });

    it('gets one workspace, marking it opened', async () => {
      const response = await get(alice, workspace.uuid);
      expect(response.statusCode).toBe(200);
      const got = response.json<Workspace>();
      expect(got).toEqual({ ...workspace, openedAt: expect.any(String) as string });
      expect(Date.parse(got.openedAt)).toBeGreaterThanOrEqual(Date.parse(workspace.openedAt));
      // What GET answers is what is stored.
      expect((await list(alice)).find((entry) => entry.uuid === workspace.uuid)).toEqual(got);
    });

    it('is 404 for an unknown or malformed uuid', async () => {
      expectError(await get(alice, MISSING), 404, 'WORKSPACE_NOT_FOUND');
      expectError(await get(alice, 'not-a-uuid'), 404, 'WORKSPACE_NOT_FOUND');
    });

    it('renames, and a bad name is 400 with the name unchanged', async () => {
      const renamed = await ctx.app.inject({
        method: 'PATCH',
        url: `/api/sessions/${workspace.uuid}`,
        headers: bearer(alice),
        payload: { name: ' Renamed ' },
      });
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect(renamed.json<Workspace>()).toMatchObject({ uuid: workspace.uuid, name: 'Renamed' });
      expect(Date.parse(renamed.json<Workspace>().updatedAt)).toBeGreaterThanOrEqual(
        Date.parse(workspace.updatedAt),
      );

      for (const payload of [{ name: '' }, { name: 'x'.repeat(101) }, { title: 'x' }]) {
        const bad = await ctx.app.inject({
          method: 'PATCH',
          url: `/api/sessions/${workspace.uuid}`,
          headers: bearer(alice),
          payload,
        });
        expectError(bad, 400, 'VALIDATION_FAILED');
      }
      expect((await get(alice, workspace.uuid)).json<Workspace>().name).toBe('Renamed');
    });

    it('rename of an unknown workspace is 404', async () => {
      expectError(
        await ctx.app.inject({
          method: 'PATCH',
          url: `/api/sessions/${MISSING}`,
          headers: bearer(alice),
          payload: { name: 'x' },
        }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
    });

    it('deletes the workspace with all its files and revisions', async () => {
      const doomed = await createWorkspace(ctx.app, alice, 'Doomed');
      const base = `/api/workspace/${doomed.uuid}`;
      for (const content of ['one', 'two'])
        await ctx.app.inject({
          method: 'POST',
          url: `${base}/file/data/notes.txt`,
          headers: bearer(alice),
          payload: { content },
        });
      expect((await fileRows(doomed.uuid)).length).toBeGreaterThan(1);

      const response = await ctx.app.inject({
        method: 'DELETE',
        url: `/api/sessions/${doomed.uuid}`,
        headers: bearer(alice),
      });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
      expectError(await get(alice, doomed.uuid), 404, 'WORKSPACE_NOT_FOUND');
      expectError(
        await ctx.app.inject({ url: `${base}/files`, headers: bearer(alice) }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
      expect(await fileRows(doomed.uuid)).toEqual([]);
      const revisions = await ctx.db
        .selectFrom('file_revisions')
        .select('id')
        .where('workspace_id', '=', doomed.uuid)
        .execute();
      expect(revisions).toEqual([]);
      expect((await list(alice)).map((entry) => entry.uuid)).not.toContain(doomed.uuid);

      expectError(
        await ctx.app.inject({
          method: 'DELETE',
          url: `/api/sessions/${doomed.uuid}`,
          headers: bearer(alice),
        }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
    });

    it("another server process remembers a workspace's owner for AUTH_CACHE_SECONDS: never for someone else, and a deletion made elsewhere lets nothing be written", async () => {
      const other = (await ctx.buildApp({ AUTH_CACHE_SECONDS: '1' })).app;
      const doomed = await createWorkspace(ctx.app, alice, 'Deleted elsewhere');
      const files = `/api/workspace/${doomed.uuid}/files`;
      const save = (user: TestUser) =>
        other.inject({
          method: 'POST',
          url: `/api/workspace/${doomed.uuid}/file/late.txt`,
          headers: bearer(user),
          payload: { content: 'written after the deletion' },
        });
      expect((await other.inject({ url: files, headers: bearer(alice) })).statusCode).toBe(200);
      expectError(
        await other.inject({ url: files, headers: bearer(bob) }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
      expectError(await save(bob), 404, 'WORKSPACE_NOT_FOUND');

      const deleted = await ctx.app.inject({
        method: 'DELETE',
        url: `/api/sessions/${doomed.uuid}`,
        headers: bearer(alice),
      });
      expect(deleted.statusCode).toBe(204);
      // Still remembered there: the save is refused by its own statement, the listing is empty.
      expectError(await save(alice), 404, 'WORKSPACE_NOT_FOUND');
      const listed = await other.inject({ url: files, headers: bearer(alice) });
      expect(listed.json()).toEqual({ files: [] });
      expect(await fileRows(doomed.uuid)).toEqual([]);

      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expectError(
        await other.inject({ url: files, headers: bearer(alice) }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
    });
  });

  describe('?user_id= (the prototype passed the caller in the query)', () => {
    it('is accepted when it names the caller', async () => {
      const mine = await createWorkspace(ctx.app, alice, 'with user_id');
      const query = `?user_id=${alice.id}`;
      expect(
        (await ctx.app.inject({ url: `/api/sessions/${query}`, headers: bearer(alice) }))
          .statusCode,
      ).toBe(200);
      expect((await get(alice, mine.uuid, query)).statusCode).toBe(200);
      const created = await ctx.app.inject({
        method: 'POST',
        url: `/api/sessions/${query}`,
        headers: bearer(alice),
        payload: { name: 'via user_id' },
      });
      expect(created.statusCode).toBe(201);
    });

    it('is 403 when it names someone else, and nothing happens', async () => {
      const mine = await createWorkspace(ctx.app, alice, 'guarded');
      const query = `?user_id=${bob.id}`;
      const before = await list(alice);
      expectError(
        await ctx.app.inject({ url: `/api/sessions/${query}`, headers: bearer(alice) }),
        403,
        'FORBIDDEN',
      );
      expectError(await get(alice, mine.uuid, query), 403, 'FORBIDDEN');
      expectError(
        await ctx.app.inject({
          method: 'POST',
          url: `/api/sessions/${query}`,
          headers: bearer(alice),
          payload: { name: 'sneaky' },
        }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await ctx.app.inject({
          method: 'PATCH',
          url: `/api/sessions/${mine.uuid}${query}`,
          headers: bearer(alice),
          payload: { name: 'sneaky' },
        }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await ctx.app.inject({
          method: 'DELETE',
          url: `/api/sessions/${mine.uuid}${query}`,
          headers: bearer(alice),
        }),
        403,
        'FORBIDDEN',
      );
      expect(await list(alice)).toEqual(before);
    });
  });

  describe('status and ensure-default', () => {
    it('status is read-only; ensure-default creates main.py only in an empty workspace', async () => {
      const workspace = await createWorkspace(ctx.app, alice, 'status');
      const base = `/api/workspace/${workspace.uuid}`;
      const status = async () => {
        const response = await ctx.app.inject({ url: `${base}/status`, headers: bearer(alice) });
        expect(response.statusCode).toBe(200);
        return response.json<{ status: string; initialized: boolean; file_count: number }>();
      };
      const ensure = async () => {
        const response = await ctx.app.inject({
          method: 'POST',
          url: `${base}/ensure-default`,
          headers: bearer(alice),
        });
        expect(response.statusCode, response.body).toBe(200);
        return response.json<{ files_created: string[] }>();
      };

      expect(await status()).toMatchObject({ status: 'ready', initialized: true, file_count: 1 });
      // Not empty: nothing is created.
      expect((await ensure()).files_created).toEqual([]);
      expect((await fileRows(workspace.uuid)).map((row) => row.path)).toEqual(['script.py']);

      await ctx.app.inject({
        method: 'DELETE',
        url: `${base}/file/script.py`,
        headers: bearer(alice),
      });
      expect(await status()).toMatchObject({ status: 'empty', initialized: false, file_count: 0 });
      expect(await status()).toMatchObject({ status: 'empty' });
      expect(await fileRows(workspace.uuid)).toEqual([]);

      expect((await ensure()).files_created).toEqual(['main.py']);
      const main = await ctx.app.inject({ url: `${base}/file/main.py`, headers: bearer(alice) });
      expect(main.statusCode).toBe(200);
      expect(main.json<{ content: string }>().content).toMatch(/print\(/);
      expect(await status()).toMatchObject({ status: 'ready', file_count: 1 });

      // A second call changes nothing.
      expect((await ensure()).files_created).toEqual([]);
      expect((await fileRows(workspace.uuid)).map((row) => row.path)).toEqual(['main.py']);
      const again = await ctx.app.inject({ url: `${base}/file/main.py`, headers: bearer(alice) });
      expect(again.json<{ version: number }>().version).toBe(1);
    });
  });
});
