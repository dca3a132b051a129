/**
 * Opens the database: PGlite (on a worker thread) under DATA_DIR when no URL is given, otherwise
 * PostgreSQL through a node-postgres pool. Both speak the same dialect, run the same
 * migrations at open and give the rest of the server the same Kysely handle.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { Kysely, Migrator, PostgresDialect, sql, type Migration } from 'kysely';
import pg from 'pg';

import * as initial from './migrations/0001-initial';
import * as cells from './migrations/0002-cells';
import * as userSettings from './migrations/0003-user-settings';
import * as accountDisabled from './migrations/0004-account-disabled';
import * as normalisedNames from './migrations/0005-normalised-names';
import * as userUsage from './migrations/0006-user-usage';
import * as driverOwnedUids from './migrations/0007-driver-owned-uids';
import * as cellLeases from './migrations/0008-cell-leases';
import * as adminAudit from './migrations/0009-admin-audit';
import * as revisionSource from './migrations/0010-revision-source';
import * as workspaceState from './migrations/0011-workspace-state';
import * as writeFileFunction from './migrations/0012-write-file-function';
import { PGliteDialect } from './pglite-dialect';
import { PGliteThread } from './pglite-thread';
import type { Database } from './schema';

export type Db = Kysely<Database>;

/** What a connection pool tells of its connections, for the metrics. */
export type PoolStats = Pick<pg.Pool, 'totalCount' | 'idleCount' | 'waitingCount'>;

export interface DatabaseHandle extends AsyncDisposable {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** PostgreSQL's connection pool; none with PGlite (one connection, on its own thread). */
  pool: PoolStats | undefined;
  close(): Promise<void>;
}

export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-cells': cells,
  '0003-user-settings': userSettings,
  '0004-account-disabled': accountDisabled,
  '0005-normalised-names': normalisedNames,
  '0006-user-usage': userUsage,
  '0007-driver-owned-uids': driverOwnedUids,
  '0008-cell-leases': cellLeases,
  '0009-admin-audit': adminAudit,
  '0010-revision-source': revisionSource,
  '0011-workspace-state': workspaceState,
  '0012-write-file-function': writeFileFunction,
};

// node-postgres returns bigint columns as strings; our counts and sizes fit in a number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** PostgreSQL connections the server keeps at most (default 10). */
  poolSize?: number | undefined;
  /** Directory for the embedded database; `memory://` keeps it in memory (tests). */
  pgliteDir: string;
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  let db: Db;
  let kind: DatabaseHandle['kind'];
  let closeDriver: () => Promise<void>;
  let pool: pg.Pool | undefined;
  if (options.databaseUrl) {
    pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
    });
    // An idle connection the server drops (restart, pg_terminate_backend) is an 'error' event
    // on the pool; unheard, it would crash the process. The pool discards that connection.
    pool.on('error', () => undefined);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    kind = 'postgres';
    closeDriver = () => db.destroy();
  } else {
    if (!options.pgliteDir.startsWith('memory://'))
      await mkdir(options.pgliteDir, { recursive: true });
    const pglite = await PGliteThread.open(options.pgliteDir);
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    kind = 'pglite';
    closeDriver = async () => {
      await db.destroy();
      await pglite.close();
    };
  }
  try {
    await migrate(db);
  } catch (error) {
    await closeDriver();
    throw error;
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await closeDriver();
  };
  return { db, kind, pool, close, [Symbol.asyncDispose]: close };
}

export const pgliteDirectory = (dataDir: string) => join(dataDir, 'pglite');

async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'workcell_migrations',
    migrationLockTableName: 'workcell_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, {
      cause: error,
    });
  }
}

/** Round trip to the database, in milliseconds; throws when it is unreachable. */
export async function pingDatabase(db: Db): Promise<number> {
  const started = performance.now();
  await sql`select 1`.execute(db);
  return performance.now() - started;
}
