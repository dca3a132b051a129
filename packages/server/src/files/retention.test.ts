import type { Workspace } from '@workcell/protocol';
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  forEachDatabase,
  registerUser,
  type TestUser,
} from '../test-support/api-harness';

interface ListedRevision {
  revision: number;
  version: number;
  reason: 'overwrite' | 'delete';
  source: string | null;
  size: number;
  savedAt: string;
  createdAt: string;
}

forEachDatabase('revision history', (ctx) => {
  let alice: TestUser;
  let workspace: Workspace;

  beforeAll(async () => {
    alice = await registerUser(ctx.app, 'alice');
    workspace = await createWorkspace(ctx.app, alice, 'history');
  });

  const base = () => `/api/workspace/${workspace.uuid}`;
  const save = async (path: string, content: string) => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: `${base()}/file/${path}`,
      headers: bearer(alice),
      payload: { content },
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
  };
  const history = async (path: string) => {
    const response = await ctx.app.inject({
      url: `${base()}/revisions/${path}`,
      headers: bearer(alice),
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ revisions: ListedRevision[] }>().revisions;
  };

  /**
   * A revision of `path` kept at `createdAt` (an SQL expression) and labelled by its
   * version, as one kept before revisions recorded who made them. Empty, so the owner's
   * stored bytes need no adjusting.
   */
  const keptEarlier = (path: string, version: number, createdAt: string) =>
    sql`INSERT INTO file_revisions (workspace_id, path, version, content, size, sha256, reason, created_at)
        VALUES (${workspace.uuid}, ${path}, ${version}, ${new Uint8Array()}, 0, 'e3b0c442', 'overwrite', ${sql.raw(createdAt)})`.execute(
      ctx.db,
    );

  it('a save lets go only of what REVISIONS_PER_FILE does not keep; the sweep keeps every revision of the last hour, the newest of each hour for a day and of each day for 30 days', async () => {
    await save('plan.txt', 'first');
    // Oldest first, as they would have been kept.
    await keptEarlier('plan.txt', 101, `now() - interval '40 days'`);
    await keptEarlier('plan.txt', 102, `now() - interval '29 days'`);
    await keptEarlier(
      'plan.txt',
      103,
      `date_trunc('day', now() - interval '10 days') + interval '2 hours'`,
    );
    await keptEarlier(
      'plan.txt',
      104,
      `date_trunc('day', now() - interval '10 days') + interval '20 hours'`,
    );
    await keptEarlier(
      'plan.txt',
      105,
      `date_trunc('hour', now() - interval '5 hours') + interval '5 minutes'`,
    );
    await keptEarlier(
      'plan.txt',
      106,
      `date_trunc('hour', now() - interval '5 hours') + interval '50 minutes'`,
    );
    await keptEarlier('plan.txt', 107, `now() - interval '30 minutes'`);
    await keptEarlier('plan.txt', 108, `now() - interval '20 minutes'`);

    await save('plan.txt', 'second');
    const versions = async () => (await history('plan.txt')).map((revision) => revision.version);
    // 1 is the content the save replaced.
    expect(await versions()).toEqual([1, 108, 107, 106, 105, 104, 103, 102, 101]);

    await ctx.services.revisionSweep.tick();
    // 101 was older than 30 days, 103 not the last of its day, 105 not the last of its hour.
    expect(await versions()).toEqual([1, 108, 107, 106, 104, 102]);
  });

  it('a revision kept before sources were recorded answers no source and its keeping time', async () => {
    const [old] = (await history('plan.txt')).filter((revision) => revision.version === 108);
    expect(old).toMatchObject({ source: null, size: 0 });
    expect(old!.savedAt).toBe(old!.createdAt);
  });

  it('REVISIONS_PER_FILE bounds what a save and a delete keep', async () => {
    const { app } = await ctx.buildApp({ REVISIONS_PER_FILE: '2' });
    for (const content of ['a', 'b', 'c', 'd'])
      await app.inject({
        method: 'POST',
        url: `${base()}/file/capped.txt`,
        headers: bearer(alice),
        payload: { content },
      });
    expect((await history('capped.txt')).map((revision) => revision.version)).toEqual([3, 2]);
    const removed = await app.inject({
      method: 'DELETE',
      url: `${base()}/file/capped.txt`,
      headers: bearer(alice),
    });
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await history('capped.txt')).map((revision) => revision.version)).toEqual([4, 3]);
  });

  it('each revision says who made that version: editor, upload, terminal, restore', async () => {
    await save('who.txt', 'typed');
    const upload = await ctx.app.inject({
      method: 'PUT',
      url: `${base()}/raw/who.txt`,
      headers: { ...bearer(alice), 'content-type': 'application/octet-stream' },
      payload: Buffer.from('uploaded'),
    });
    expect(upload.statusCode, upload.body).toBe(200);
    await ctx.services.files.write(workspace.uuid, 'who.txt', Buffer.from('from a program'), {
      source: 'terminal',
    });
    const typed = (await history('who.txt')).find((revision) => revision.version === 1)!;
    const restore = await ctx.app.inject({
      method: 'POST',
      url: `${base()}/restore/who.txt`,
      headers: bearer(alice),
      payload: { revision: typed.revision },
    });
    expect(restore.statusCode, restore.body).toBe(200);
    const removed = await ctx.app.inject({
      method: 'DELETE',
      url: `${base()}/file/who.txt`,
      headers: bearer(alice),
    });
    expect(removed.statusCode, removed.body).toBeLessThan(300);

    const revisions = await history('who.txt');
    expect(
      revisions.map(({ version, source, reason, size }) => ({ version, source, reason, size })),
    ).toEqual([
      { version: 4, source: 'restore', reason: 'delete', size: 5 },
      { version: 3, source: 'terminal', reason: 'overwrite', size: 14 },
      { version: 2, source: 'upload', reason: 'overwrite', size: 8 },
      { version: 1, source: 'editor', reason: 'overwrite', size: 5 },
    ]);
    // Each version was made before it was replaced, and after the one before it.
    for (const [index, revision] of revisions.entries()) {
      expect(Date.parse(revision.savedAt)).toBeLessThanOrEqual(Date.parse(revision.createdAt));
      const earlier = revisions[index + 1];
      if (earlier)
        expect(Date.parse(revision.savedAt)).toBeGreaterThan(Date.parse(earlier.savedAt));
    }
  });

  it('the sweep thins the revisions of a file nobody writes, and of a deleted one, by the same schedule', async () => {
    await save('left.txt', 'as it stays');
    await save('gone.txt', 'deleted later');
    const removed = await ctx.app.inject({
      method: 'DELETE',
      url: `${base()}/file/gone.txt`,
      headers: bearer(alice),
    });
    expect(removed.statusCode).toBe(204);
    // A morning of autosaves two days ago, as the revisions would look by now.
    for (const [version, minutes] of [
      [201, 540],
      [202, 600],
      [203, 660],
      [204, 690],
    ] as const) {
      const createdAt = `date_trunc('day', now() - interval '2 days') + interval '${minutes} minutes'`;
      await keptEarlier('left.txt', version, createdAt);
      await keptEarlier('gone.txt', version, createdAt);
    }
    const versions = async (path: string) =>
      (
        await ctx.db
          .selectFrom('file_revisions')
          .select('version')
          .where('workspace_id', '=', workspace.uuid)
          .where('path', '=', path)
          .orderBy('id', 'desc')
          .execute()
      ).map((row) => row.version);
    // No save touches either path again: every revision is still there.
    expect(await versions('left.txt')).toEqual([204, 203, 202, 201]);

    const sweep = ctx.services.revisionSweep;
    expect(await sweep.tick()).toBeGreaterThanOrEqual(6);
    // Two days ago is the daily part of the schedule: the newest of that day stays.
    expect(await versions('left.txt')).toEqual([204]);
    // The deleted file keeps its content as deleted (just now) and that day's newest.
    expect(await versions('gone.txt')).toEqual([204, 1]);
    // Another round has nothing left to do here.
    await sweep.tick();
    expect(await versions('left.txt')).toEqual([204]);
  });
});
