import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Who made the kept version (the file row's `source` then) and when it was made (its
  // `updated_at`), for the history timeline. Null in revisions kept before: not known, and
  // no default would be true.
  await db.schema
    .alterTable('file_revisions')
    .addColumn('source', 'text')
    .addColumn('saved_at', 'timestamptz')
    .execute();
}
