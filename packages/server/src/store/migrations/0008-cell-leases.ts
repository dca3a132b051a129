import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Which server replica runs a workspace's cell, for as long as it keeps renewing the
  // lease; a replica that stops renewing (it died) loses it to the others.
  await db.schema
    .alterTable('cells')
    .addColumn('replica_id', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .execute();
}
