/**
 * Which of a file's revisions to keep: every one from the last while, then the newest of
 * each hour, then the newest of each day, and never more than a cap per file. A revision's
 * time is when it was replaced, so "the newest of an hour" is the file as it stood at the
 * end of that hour. The rule is one SQL query, run inside the save that adds revisions,
 * and by the sweep (revision-sweep.ts) for files nobody writes any more.
 */
import { sql, type RawBuilder } from 'kysely';

export interface RevisionRetention {
  /** Revisions a file keeps at most, newest first; 0 keeps none. */
  perFile: number;
  /** Seconds during which every revision is kept. */
  allSeconds: number;
  /** Seconds during which the newest revision of each hour is kept. */
  hourlySeconds: number;
  /** Seconds during which the newest revision of each day is kept. */
  dailySeconds: number;
}

/**
 * The ids among `candidates` (revisions: id, path, created_at) that `retention` lets go. A
 * candidate with a null id stands for a revision about to be kept: it counts as the newest
 * of its path and is never answered. Hours and days are the database session's time zone.
 */
function prunable(candidates: RawBuilder<unknown>, retention: RevisionRetention) {
  const newer = (seconds: number) => sql`created_at > now() - make_interval(secs => ${seconds})`;
  const newestFirst = sql`ORDER BY id DESC NULLS FIRST`;
  return sql<{ id: number }>`
    SELECT id FROM (
      SELECT id, created_at,
        row_number() OVER (PARTITION BY path ${newestFirst}) AS rank,
        row_number() OVER (PARTITION BY path, date_trunc('hour', created_at) ${newestFirst}) AS rank_in_hour,
        row_number() OVER (PARTITION BY path, date_trunc('day', created_at) ${newestFirst}) AS rank_in_day
      FROM (${candidates}) AS candidate
    ) AS ranked
    WHERE id IS NOT NULL AND (rank > ${retention.perFile} OR NOT (
      ${newer(retention.allSeconds)}
      OR (rank_in_hour = 1 AND ${newer(retention.hourlySeconds)})
      OR (rank_in_day = 1 AND ${newer(retention.dailySeconds)})
    ))`;
}

/**
 * The revisions in this workspace, at the paths of these files (at every path, deleted
 * files' too, without `fileIds`), that `retention` lets go.
 */
export function prunableRevisions(
  workspaceId: string,
  retention: RevisionRetention,
  fileIds?: readonly number[],
) {
  const paths =
    fileIds === undefined
      ? sql``
      : sql`AND path IN (SELECT path FROM files WHERE id = any(${[...fileIds]}))`;
  return prunable(
    sql`SELECT id, path, created_at FROM file_revisions WHERE workspace_id = ${workspaceId} ${paths}`,
    retention,
  );
}

/**
 * The revisions of one file that `retention` lets go once its current content (if it has
 * any) is kept as one more: for a replacement that keeps and prunes in one statement.
 */
export function prunableOnceKept(
  workspaceId: string,
  fileId: number,
  retention: RevisionRetention,
) {
  return prunable(
    sql`SELECT r.id, r.path, r.created_at FROM file_revisions r
          JOIN files f ON f.workspace_id = r.workspace_id AND f.path = r.path
          WHERE f.id = ${fileId} AND r.workspace_id = ${workspaceId}
        UNION ALL
        SELECT NULL, path, now() FROM files
          WHERE id = ${fileId} AND content IS NOT NULL AND sha256 IS NOT NULL`,
    retention,
  );
}
