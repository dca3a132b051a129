import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cells')
    .addColumn('workspace_id', 'uuid', (c) =>
      c.primaryKey().references('workspaces.id').onDelete('cascade'),
    )
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('starting', 'ready', 'stopping', 'stopped', 'failed')`),
    )
    .addColumn('driver', 'text', (c) => c.notNull())
    .addColumn('host_uid_slot', 'integer', (c) => c.notNull().unique())
    .addColumn('reason', 'text')
    // Identifies the cell volume the manifest describes; a new volume makes it void.
    .addColumn('volume_id', 'text')
    .addColumn('started_at', 'timestamptz')
    .addColumn('stopped_at', 'timestamptz')
    .addColumn('last_activity_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // What the cell's /app held at the last sync, per path: tells a change made in the cell
  // while the server was away from one made in the database, so neither is lost.
  await db.schema
    .createTable('cell_manifest')
    .addColumn('workspace_id', 'uuid', (c) =>
      c.notNull().references('workspaces.id').onDelete('cascade'),
    )
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addPrimaryKeyConstraint('cell_manifest_pk', ['workspace_id', 'path'])
    .execute();

  // The last screen of each terminal, shown (marked as restored) when a terminal is
  // reopened after its cell restarted.
  await db.schema
    .createTable('terminals')
    .addColumn('workspace_id', 'uuid', (c) =>
      c.notNull().references('workspaces.id').onDelete('cascade'),
    )
    .addColumn('terminal_id', 'text', (c) => c.notNull())
    .addColumn('screen', 'text', (c) => c.notNull())
    .addColumn('cols', 'integer', (c) => c.notNull())
    .addColumn('rows', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('terminals_pk', ['workspace_id', 'terminal_id'])
    .execute();
}
