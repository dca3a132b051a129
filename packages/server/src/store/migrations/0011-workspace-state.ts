import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What the web app remembers of a workspace (tabs, layout, terminals, run
  // configurations), one document per user and workspace; it goes with either.
  await db.schema
    .createTable('workspace_state')
    .addColumn('workspace_id', 'uuid', (c) =>
      c.notNull().references('workspaces.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('workspace_state_pkey', ['workspace_id', 'user_id'])
    .execute();
  // Deleting a user finds their rows without a scan.
  await db.schema
    .createIndex('workspace_state_user_id')
    .on('workspace_state')
    .column('user_id')
    .execute();
}
