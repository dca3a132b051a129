/**
 * Which of a file's revisions to keep: every one from the last while, then the newest of
 * each hour, then the newest of each day, and never more than a cap per file. A revision's
 * time is when it was replaced, so "the newest of an hour" is the file as it stood at the
 * end of that hour. The rule is one SQL query, run inside the save that adds revisions,
 * and by the sweep (revision-sweep.ts) for files nobody writes any more.
 */
import { sql } from 'kysely';

import type { Tx } from './service';

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
 * The ids of revisions in this workspace, at the paths of these files (at every path,
 * deleted files' too, without `fileIds`), that `retention` lets go. Hours and days are
 * those of the database session's time zone.
 */
export function prunableRevisions(
  tx: Tx,
  workspaceId: string,
  retention: RevisionRetention,
  fileIds?: readonly number[],
) {
  const newer = (seconds: number) =>
    sql<boolean>`ranked.created_at > now() - make_interval(secs => ${seconds})`;
  return tx
    .selectFrom((eb) =>
      eb
        .selectFrom('file_revisions')
        .select([
          'id',
          'created_at',
          sql<number>`row_number() OVER (PARTITION BY path ORDER BY id DESC)`.as('rank'),
          sql<number>`row_number() OVER (PARTITION BY path, date_trunc('hour', created_at) ORDER BY id DESC)`.as(
            'rank_in_hour',
          ),
          sql<number>`row_number() OVER (PARTITION BY path, date_trunc('day', created_at) ORDER BY id DESC)`.as(
            'rank_in_day',
          ),
        ])
        .where('workspace_id', '=', workspaceId)
        .$if(fileIds !== undefined, (query) =>
          query.where(
            sql<boolean>`path IN (SELECT path FROM files WHERE id = any(${[...fileIds!]}))`,
          ),
        )
        .as('ranked'),
    )
    .select('ranked.id')
    .where((eb) =>
      eb.or([
        eb('ranked.rank', '>', retention.perFile),
        eb.not(
          eb.or([
            newer(retention.allSeconds),
            eb.and([eb('ranked.rank_in_hour', '=', 1), newer(retention.hourlySeconds)]),
            eb.and([eb('ranked.rank_in_day', '=', 1), newer(retention.dailySeconds)]),
          ]),
        ),
      ]),
    );
}
