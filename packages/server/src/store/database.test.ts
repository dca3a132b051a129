import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { AuthService } from '../auth/service';
import { openTestDatabase } from '../test-support/api-harness';
import { migrations, openDatabase, pingDatabase, type DatabaseHandle } from './database';

const migrationNames = Object.keys(migrations).sort();

async function addUser(database: DatabaseHandle, username: string) {
  await new AuthService(database.db, 30).register({
    username,
    email: `${username}@example.com`,
    password: 'long enough',
  });
}

async function state(database: DatabaseHandle) {
  const users = await database.db
    .selectFrom('users')
    .select('username')
    .orderBy('username')
    .execute();
  const applied = await sql<{ name: string }>`select name from workcell_migrations`.execute(
    database.db,
  );
  return {
    users: users.map((row) => row.username),
    migrations: applied.rows.map((row) => row.name).sort(),
  };
}

describe('migrations', () => {
  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it('PGlite: reopening the same data directory keeps the data and migrates nothing twice', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'workcell-pglite-'));
    directories.push(directory);

    const first = await openDatabase({ pgliteDir: join(directory, 'pglite') });
    await addUser(first, 'persisted');
    expect(await state(first)).toEqual({ users: ['persisted'], migrations: migrationNames });
    await first.close();

    const second = await openDatabase({ pgliteDir: join(directory, 'pglite') });
    expect(await state(second)).toEqual({ users: ['persisted'], migrations: migrationNames });
    expect(await pingDatabase(second.db)).toBeGreaterThanOrEqual(0);
    await second.close();
  });

  it('PostgreSQL: opening the same database again keeps the data', async () => {
    const database = await openTestDatabase('postgres');
    try {
      await addUser(database.handle, 'persisted');
      const again = await openDatabase({ databaseUrl: database.url, pgliteDir: 'unused' });
      try {
        expect(again.kind).toBe('postgres');
        expect(await state(again)).toEqual({ users: ['persisted'], migrations: migrationNames });
      } finally {
        await again.close();
      }
    } finally {
      await database.close();
    }
  });

  it('PostgreSQL: two servers starting at once on a fresh database both come up', async () => {
    const database = await openTestDatabase('postgres');
    try {
      const handles = await Promise.all([
        openDatabase({ databaseUrl: database.url, pgliteDir: 'unused' }),
        openDatabase({ databaseUrl: database.url, pgliteDir: 'unused' }),
      ]);
      for (const handle of handles) {
        expect((await state(handle)).migrations).toEqual(migrationNames);
        await handle.close();
      }
    } finally {
      await database.close();
    }
  });
});

describe('the test harness', () => {
  it('refuses to run the PostgreSQL suite without TEST_DATABASE_URL, saying why', async () => {
    await expect(openTestDatabase('postgres', {})).rejects.toThrow(/TEST_DATABASE_URL is not set/);
  });

  it('drops its throwaway PostgreSQL database on close', async () => {
    const database = await openTestDatabase('postgres');
    const name = new URL(database.url!).pathname.slice(1);
    expect(name).toMatch(/^workcell_test_[0-9a-f]+$/);
    await database.close();
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query('select datname from pg_database where datname = $1', [
        name,
      ]);
      expect(rows).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});
