/**
 * Names users give (paths, workspace names, usernames) are NFC, and never hold a character
 * that hides or disguises them: such names are refused with 400 INVALID_NAME and change
 * nothing; two spellings of one name are one file; names stored before the rule are
 * cleaned by a migration and stay unique.
 */
import { unzipSync } from 'fflate';
import { Kysely, Migrator, sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../store/database';
import { PGliteDialect } from '../store/pglite-dialect';
import { PGliteThread } from '../store/pglite-thread';
import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  registerUser,
  type TestUser,
} from '../test-support/api-harness';

const BAD_CHARACTERS = {
  'a byte-order mark': '\ufeff',
  'a zero-width space': '\u200b',
  'a right-to-left override': '\u202e',
  'a control character': '\u0007',
};

forEachDatabase('names', (ctx) => {
  let user: TestUser;
  let workspace: string;
  beforeAll(async () => {
    user = await registerUser(ctx.app, 'names');
    workspace = (await createWorkspace(ctx.app, user, 'Names', 'empty')).uuid;
  });
  const post = (url: string, payload: object) =>
    ctx.app.inject({ method: 'POST', url, headers: bearer(user), payload });
  const listing = async () => {
    const response = await ctx.app.inject({
      url: `/api/workspace/${workspace}/files`,
      headers: bearer(user),
    });
    expect(response.statusCode).toBe(200);
    return response.json<{ files: { path: string }[] }>().files.map((file) => file.path);
  };

  for (const [what, character] of Object.entries(BAD_CHARACTERS)) {
    const name = `in${character}voice.py`;
    it(`refuses ${what} in a file, a folder, a move, a workspace name and a username`, async () => {
      const before = await listing();
      const encoded = encodeURIComponent(name);
      expectError(
        await post(`/api/workspace/${workspace}/file/${encoded}`, { content: 'x' }),
        400,
        'INVALID_NAME',
      );
      expectError(
        await post(`/api/workspace/${workspace}/folder/dir/${encoded}`, {}),
        400,
        'INVALID_NAME',
      );
      expect(
        (await post(`/api/workspace/${workspace}/file/plain.txt`, { content: 'x' })).statusCode,
      ).toBeLessThan(300);
      expectError(
        await post(`/api/workspace/${workspace}/move`, { from: 'plain.txt', to: name }),
        400,
        'INVALID_NAME',
      );
      expect(await listing()).toEqual([...new Set([...before, 'plain.txt'])].sort());
      expectError(await post('/api/sessions/', { name: `My ${name}` }), 400, 'INVALID_NAME');
      expectError(
        await ctx.app.inject({
          method: 'POST',
          url: '/api/users/register',
          payload: {
            username: `some${character}one`,
            email: 'x@example.com',
            password: 'long enough',
          },
        }),
        400,
        'INVALID_NAME',
      );
    });
  }

  it('treats two spellings of one name (NFD and NFC) as one file, and never answers 500', async () => {
    const nfd = 'cafe\u0301.txt';
    const nfc = 'caf\u00e9.txt';
    expect(
      (
        await post(`/api/workspace/${workspace}/file/${encodeURIComponent(nfd)}`, {
          content: 'one',
        })
      ).statusCode,
    ).toBe(201);
    const again = await post(`/api/workspace/${workspace}/file/${encodeURIComponent(nfc)}`, {
      content: 'two',
    });
    expect(again.statusCode).toBe(200);
    expect((await listing()).filter((path) => path.startsWith('caf'))).toEqual([nfc]);
    const read = await ctx.app.inject({
      url: `/api/workspace/${workspace}/file/${encodeURIComponent(nfd)}`,
      headers: bearer(user),
    });
    expect(read.json<{ content: string; path: string }>()).toMatchObject({
      content: 'two',
      path: nfc,
    });
    const archive = await ctx.app.inject({
      url: `/api/workspace/${workspace}/archive`,
      headers: bearer(user),
    });
    expect(archive.statusCode).toBe(200);
    for (const entry of Object.keys(unzipSync(archive.rawPayload)))
      expect(entry.startsWith('/') || entry.split('/').includes('..')).toBe(false);
  });

  it('lets usernames differing only in case, or by a look-alike letter, not both register', async () => {
    const register = (username: string) =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username, email: `${Math.random()}@example.com`, password: 'long enough' },
      });
    const name = `case${ctx.kind}`;
    expect((await register(name)).statusCode).toBe(201);
    expectError(await register(name.toUpperCase()), 409, 'USERNAME_TAKEN');
    // A Cyrillic "а" in place of the Latin "a".
    expectError(await register(name.replace('a', '\u0430')), 400, 'VALIDATION_FAILED');
  });
});

describe('the names migration', () => {
  it('cleans names stored before the rule, keeps every file, and makes NFC paths unique', async () => {
    const pglite = await PGliteThread.open('memory://');
    const db = new Kysely<any>({ dialect: new PGliteDialect(pglite) }); // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: () => Promise.resolve(migrations) },
        migrationTableName: 'workcell_migrations',
        migrationLockTableName: 'workcell_migrations_lock',
      });
      expect((await migrator.migrateTo('0004-account-disabled')).error).toBeUndefined();
      await sql`INSERT INTO users (id, username, email, password_hash) VALUES
        ('00000000-0000-4000-8000-000000000001', 'old', 'old@example.com', 'x')`.execute(db);
      await sql`INSERT INTO workspaces (id, owner_id, name) VALUES
        ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', ${'\u202eOld'})`.execute(
        db,
      );
      for (const [path, type] of [
        ['\ufeffdir', 'folder'],
        ['\ufeffdir/a.py', 'file'],
        ['dir', 'folder'],
        ['cafe\u0301.py', 'file'],
      ])
        await sql`INSERT INTO files (workspace_id, path, type, size, version, source, content, sha256)
          VALUES ('00000000-0000-4000-8000-000000000002', ${path}, ${type}, 0, 1, 'api',
                  ${type === 'file' ? new Uint8Array() : null}, ${type === 'file' ? 'e3b0' : null})`.execute(
          db,
        );
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const paths = (
        await sql<{ path: string }>`SELECT path FROM files ORDER BY path`.execute(db)
      ).rows.map((row) => row.path);
      expect(paths).toEqual(['caf\u00e9.py', 'dir', 'dir (renamed 1)', 'dir (renamed 1)/a.py']);
      const names = await sql<{ name: string }>`SELECT name FROM workspaces`.execute(db);
      expect(names.rows).toEqual([{ name: 'Old' }]);
      await expect(
        sql`INSERT INTO files (workspace_id, path, type, size, version, source, content, sha256)
          VALUES ('00000000-0000-4000-8000-000000000002', ${'cafe\u0301.py'}, 'file', 0, 1, 'api', ${new Uint8Array()}, 'e3b0')`.execute(
          db,
        ),
      ).rejects.toMatchObject({ code: '23505' });
    } finally {
      await db.destroy();
      await pglite.close();
    }
  });
});
