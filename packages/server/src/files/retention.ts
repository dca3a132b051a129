/**
 * Which of a file's revisions to keep: every one from the last while, then the newest of
 * each hour, then the newest of each day, and never more than a cap per file. A revision's
 * time is when it was replaced, so "the newest of an hour" is the file as it stood at the
 * end of that hour. A write that adds revisions applies the cap, an index walk over one
 * path (`workcell_keep_revisions`, migration 0012); the schedule, which ranks all of a
 * path's revisions three ways, is applied by the sweep (revision-sweep.ts). It cost a save
 * of a file with 200 revisions a quarter of its time, and lets go only of revisions older
 * than REVISIONS_ALL_MINUTES, which the sweep's next visit reaches as well.
 */
import { sql } from 'kysely';

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
 * The ids of the workspace's revisions, at every path (deleted files' too), that
 * `retention` lets go. Hours and days are the database session's time zone.
 */
export function prunableRevisions(workspaceId: string, retention: RevisionRetention) {
  const newer = (seconds: number) => sql`created_at > now() - make_interval(secs => ${seconds})`;
  return sql<{ id: number }>`
    SELECT id FROM (
      SELECT id, created_at,
        row_number() OVER (PARTITION BY path ORDER BY id DESC) AS rank,
        row_number() OVER (PARTITION BY path, date_trunc('hour', created_at) ORDER BY id DESC) AS rank_in_hour,
        row_number() OVER (PARTITION BY path, date_trunc('day', created_at) ORDER BY id DESC) AS rank_in_day
      FROM file_revisions WHERE workspace_id = ${workspaceId}
    ) AS ranked
    WHERE (rank > ${retention.perFile} OR NOT (
      ${newer(retention.allSeconds)}
      OR (rank_in_hour = 1 AND ${newer(retention.hourlySeconds)})
      OR (rank_in_day = 1 AND ${newer(retention.dailySeconds)})
    ))`;
}
