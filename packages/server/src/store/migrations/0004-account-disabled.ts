import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Set by an administrator: the account cannot sign in and its sessions are revoked.
  await db.schema.alterTable('users').addColumn('disabled_at', 'timestamptz').execute();
}
