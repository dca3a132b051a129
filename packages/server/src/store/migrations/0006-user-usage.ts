import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Every byte a user makes the server store: their files' and their revisions' contents.
  await db.schema
    .alterTable('users')
    .addColumn('stored_bytes', 'bigint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`stored_bytes >= 0`),
    )
    .execute();
  await sql`
    UPDATE users SET stored_bytes =
      coalesce((SELECT sum(f.size) FROM files f JOIN workspaces w ON w.id = f.workspace_id
                WHERE w.owner_id = users.id), 0) +
      coalesce((SELECT sum(r.size) FROM file_revisions r JOIN workspaces w ON w.id = r.workspace_id
                WHERE w.owner_id = users.id), 0)
  `.execute(db);
  // Pruning takes a user's oldest revisions first.
  await db.schema
    .createIndex('file_revisions_workspace_id_id')
    .on('file_revisions')
    .columns(['workspace_id', 'id'])
    .execute();
}
