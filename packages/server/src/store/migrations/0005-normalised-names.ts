/**
 * Names as the edge now takes them (protocol names.ts and paths.ts): NFC, and without the
 * characters no name may hold. Rows from before are rewritten, never dropped: a path loses
 * those characters (a segment left empty becomes `_`), and when its clean form is taken
 * the last segment gets ` (renamed N)`. Then a unique index on each workspace's NFC paths
 * keeps two paths that look the same from ever coexisting, in PGlite as in PostgreSQL.
 */
import { withoutForbidden } from '@workcell/protocol';
import { sql, type Kysely } from 'kysely';

/**
 * Text as stored, read as bytes: PGlite decodes text results with a TextDecoder that drops
 * a leading byte-order mark, so a name starting with one reads as the name without it.
 */
const asBytes = (column: string) =>
  sql<Uint8Array>`convert_to(${sql.ref(column)}, 'UTF8')`.as(column);
const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);

const cleanSegment = (segment: string) => withoutForbidden(segment) || '_';

function unused(path: string, taken: ReadonlySet<string>): string {
  if (!taken.has(path)) return path;
  for (let n = 1; ; n++) {
    const candidate = `${path} (renamed ${n})`;
    if (!taken.has(candidate)) return candidate;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the schema of its time */
export async function up(db: Kysely<any>): Promise<void> {
  const workspaces = (await db
    .selectFrom('workspaces')
    .select(['id', asBytes('name')])
    .execute()) as unknown as { id: string; name: Uint8Array }[];
  for (const { id, name: bytes } of workspaces) {
    const name = text(bytes);
    const cleaned = withoutForbidden(name).trim() || 'Workspace';
    if (cleaned !== name)
      await db.updateTable('workspaces').set({ name: cleaned }).where('id', '=', id).execute();
  }

  const files = (
    (await db
      .selectFrom('files')
      .select(['id', 'workspace_id', asBytes('path')])
      .execute()) as unknown as { id: number; workspace_id: string; path: Uint8Array }[]
  ).map((row) => ({ ...row, path: text(row.path) }));
  const byWorkspace = new Map<string, typeof files>();
  for (const file of files)
    byWorkspace.set(file.workspace_id, [...(byWorkspace.get(file.workspace_id) ?? []), file]);
  for (const [workspaceId, rows] of byWorkspace) {
    const depth = (path: string) => path.split('/').length;
    rows.sort((a, b) => depth(a.path) - depth(b.path));
    const taken = new Set(rows.map((row) => row.path));
    // Old path → new path, so children follow a renamed folder.
    const renamed = new Map<string, string>();
    for (const row of rows) {
      const slash = row.path.lastIndexOf('/');
      const parent = slash < 0 ? '' : row.path.slice(0, slash);
      const newParent = parent === '' ? '' : (renamed.get(parent) ?? parent);
      const wanted = (newParent ? `${newParent}/` : '') + cleanSegment(row.path.slice(slash + 1));
      if (wanted === row.path) continue;
      taken.delete(row.path);
      const path = unused(wanted, taken);
      taken.add(path);
      renamed.set(row.path, path);
      await db.updateTable('files').set({ path }).where('id', '=', row.id).execute();
      await db
        .updateTable('file_revisions')
        .set({ path })
        .where('workspace_id', '=', workspaceId)
        .where('path', '=', row.path)
        .execute();
    }
    // The cell's manifest is a cache: the next start rebuilds what it drops.
    if (renamed.size > 0)
      await db
        .deleteFrom('cell_manifest')
        .where('workspace_id', '=', workspaceId)
        .where('path', 'in', [...renamed.keys()])
        .execute();
  }

  await sql`CREATE UNIQUE INDEX files_workspace_nfc_path ON files (workspace_id, normalize(path, NFC))`.execute(
    db,
  );
  await sql`CREATE UNIQUE INDEX users_folded_username ON users (lower(username))`.execute(db);
  await sql`CREATE UNIQUE INDEX users_folded_email ON users (lower(email))`.execute(db);
}
