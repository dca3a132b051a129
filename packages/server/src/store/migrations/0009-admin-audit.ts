import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What administrators did, kept with the change it records (written in its transaction).
  // An admin's rows outlive their account: the id stays, the name is looked up while it exists.
  await db.schema
    .createTable('admin_audit')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    // Null: the host's `workcell` command, which has no account behind it.
    .addColumn('admin_user_id', 'uuid')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('admin_audit_created_at')
    .on('admin_audit')
    .column('created_at')
    .execute();
}
