import { sql, type Kysely } from 'kysely';

/**
 * A file's save as one statement (issue 17): each statement of the save's transaction was
 * a round trip to PostgreSQL, or to PGlite's thread, and a save made seven of them. The
 * rules stay where they were enforced, in the database's own transaction; the server maps
 * a refusal (SQLSTATE WC000, the Workcell error code as its message, what the message
 * needs as its detail) to its error. files/service.ts tells what each step is for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The missing parents of a path, made as folders, outermost first; answers those it made.
  await sql`
    CREATE FUNCTION workcell_create_parents(p_workspace uuid, p_parents text[], p_source text)
    RETURNS SETOF text LANGUAGE plpgsql AS $$
    DECLARE
      blocking text;
    BEGIN
      SELECT f.path INTO blocking FROM files f
        WHERE f.workspace_id = p_workspace AND f.path = ANY (p_parents) AND f.type = 'file'
        ORDER BY array_position(p_parents, f.path) LIMIT 1;
      IF blocking IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'WC000', MESSAGE = 'NOT_A_FOLDER', DETAIL = blocking;
      END IF;
      RETURN QUERY
        INSERT INTO files (workspace_id, path, type, size, version, source)
          SELECT p_workspace, parent.path, 'folder', 0, 1, p_source
            FROM unnest(p_parents) WITH ORDINALITY AS parent(path, position)
            WHERE NOT EXISTS (
              SELECT 1 FROM files f WHERE f.workspace_id = p_workspace AND f.path = parent.path)
            ORDER BY parent.position
          RETURNING files.path;
    END $$`.execute(db);

  // Keeps these files' current contents as revisions, then lets go of their paths'
  // revisions beyond the newest p_keep; answers the bytes let go.
  await sql`
    CREATE FUNCTION workcell_keep_revisions(
      p_workspace uuid, p_file_ids integer[], p_reason text, p_keep integer)
    RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
      forgotten bigint;
    BEGIN
      INSERT INTO file_revisions
          (workspace_id, path, version, content, size, sha256, reason, source, saved_at)
        SELECT f.workspace_id, f.path, f.version, f.content, f.size, f.sha256, p_reason,
            f.source, f.updated_at
          FROM files f
          WHERE f.id = ANY (p_file_ids) AND f.content IS NOT NULL AND f.sha256 IS NOT NULL
          ORDER BY f.id;
      WITH gone AS (
        DELETE FROM file_revisions r WHERE r.id IN (
          SELECT older.id FROM files f
            CROSS JOIN LATERAL (
              SELECT o.id FROM file_revisions o
                WHERE o.workspace_id = f.workspace_id AND o.path = f.path
                ORDER BY o.id DESC OFFSET p_keep
            ) AS older
            WHERE f.workspace_id = p_workspace AND f.id = ANY (p_file_ids))
        RETURNING r.size
      )
      SELECT coalesce(sum(gone.size), 0) INTO forgotten FROM gone;
      RETURN forgotten;
    END $$`.execute(db);

  await sql`
    CREATE FUNCTION workcell_write_file(
      p_workspace uuid, p_path text, p_parents text[], p_content bytea, p_sha256 text,
      p_source text, p_base_version integer, p_now timestamptz, p_revisions_per_file integer,
      p_max_workspace_bytes bigint, p_max_user_bytes bigint)
    RETURNS TABLE (
      id integer, workspace_id uuid, path text, type text, size integer, sha256 text,
      version integer, source text, created_at timestamptz, updated_at timestamptz,
      changed boolean, created_folders text[])
    LANGUAGE plpgsql AS $$
    DECLARE
      workspace_owner uuid;
      created text[];
      existing record;
      delta bigint;
      charge bigint;
      stored bigint;
      written integer;
    BEGIN
      SELECT w.owner_id INTO workspace_owner FROM workspaces w WHERE w.id = p_workspace FOR UPDATE;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'WC000', MESSAGE = 'WORKSPACE_NOT_FOUND';
      END IF;
      created := ARRAY(SELECT workcell_create_parents(p_workspace, p_parents, p_source));
      SELECT f.id, f.type, f.size, f.sha256, f.version INTO existing FROM files f
        WHERE f.workspace_id = p_workspace AND f.path = p_path FOR UPDATE;
      IF existing.type = 'folder' THEN
        RAISE EXCEPTION USING ERRCODE = 'WC000', MESSAGE = 'IS_A_FOLDER', DETAIL = p_path;
      END IF;
      IF p_base_version IS NOT NULL AND coalesce(existing.version, 0) <> p_base_version THEN
        RAISE EXCEPTION USING ERRCODE = 'WC000', MESSAGE = 'VERSION_CONFLICT', DETAIL = p_path;
      END IF;
      IF existing.sha256 = p_sha256 THEN
        written := existing.id;
      ELSE
        delta := octet_length(p_content) - coalesce(existing.size, 0);
        IF delta <> 0 THEN
          UPDATE workspaces w SET size_bytes = w.size_bytes + delta, updated_at = p_now
            WHERE w.id = p_workspace AND w.size_bytes + delta <= p_max_workspace_bytes;
          IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'WC000', MESSAGE = 'WORKSPACE_FULL';
          END IF;
        END IF;
        charge := delta;
        IF existing.id IS NOT NULL AND p_revisions_per_file > 0 THEN
          -- The replaced content stays as a revision: the user then stores both.
          charge := charge + existing.size - workcell_keep_revisions(
            p_workspace, ARRAY[existing.id], 'overwrite', p_revisions_per_file);
        END IF;
        IF charge > 0 THEN
          UPDATE users u SET stored_bytes = u.stored_bytes + charge
            WHERE u.id = workspace_owner AND u.stored_bytes + charge <= p_max_user_bytes;
          IF NOT FOUND THEN
            SELECT u.stored_bytes INTO stored FROM users u WHERE u.id = workspace_owner;
            RAISE EXCEPTION USING ERRCODE = 'WC000', MESSAGE = 'USER_QUOTA_EXCEEDED',
              DETAIL = json_build_object('needs', charge, 'stored', stored)::text;
          END IF;
        ELSIF charge < 0 THEN
          UPDATE users u SET stored_bytes = u.stored_bytes + charge WHERE u.id = workspace_owner;
        END IF;
        IF existing.id IS NOT NULL THEN
          UPDATE files f SET content = p_content, size = octet_length(p_content),
              sha256 = p_sha256, version = f.version + 1, source = p_source, updated_at = p_now
            WHERE f.id = existing.id
            RETURNING f.id INTO written;
        ELSE
          INSERT INTO files (workspace_id, path, type, content, size, sha256, version, source)
            VALUES (p_workspace, p_path, 'file', p_content, octet_length(p_content), p_sha256,
              1, p_source)
            RETURNING files.id INTO written;
        END IF;
      END IF;
      RETURN QUERY
        SELECT f.id, f.workspace_id, f.path, f.type, f.size, f.sha256, f.version, f.source,
            f.created_at, f.updated_at, existing.sha256 IS DISTINCT FROM p_sha256, created
          FROM files f WHERE f.id = written;
    END $$`.execute(db);
}
