import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Host uid blocks are the local cell driver's own business (cells/local/uid-registry.ts,
  // shared by every server on the host); a workspace started before keeps its volume, whose
  // files the driver hands to the new block on its next start.
  await db.schema.alterTable('cells').dropColumn('host_uid_slot').execute();
}
