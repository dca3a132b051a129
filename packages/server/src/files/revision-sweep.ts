/**
 * Thins revisions by the retention schedule. A write applies only REVISIONS_PER_FILE to
 * the paths it writes (retention.ts says why), so without the sweep every file would keep
 * that many, and a deleted one all of its own, until the owner's quota needed the room.
 * The sweep visits each workspace that has revisions, a batch a tick, in order of id and
 * round again, and applies the schedule to all of its paths in one transaction per
 * workspace. Replicas may sweep at once: each workspace's
 * pruning holds its row's lock, so the second finds nothing left to do.
 */
import type { FastifyBaseLogger } from 'fastify';

import type { Db } from '../store/database';
import type { FileService } from './service';

/** Workspaces a tick visits: at one tick every 30 s, 10,000 workspaces an hour. */
export const REVISION_SWEEP_BATCH = 100;

export interface RevisionSweepOptions {
  /** Time between ticks. */
  intervalMs: number;
  /** Workspaces visited a tick. */
  batch: number;
}

export class RevisionSweep implements Disposable {
  /** The last workspace visited; the next tick starts after it. */
  private after: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: Db,
    private readonly files: FileService,
    private readonly log: FastifyBaseLogger,
    private readonly options: RevisionSweepOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Visits the next batch; answers how many revisions went. A tick still running is joined. */
  tick(): Promise<number> {
    this.running ??= this.visitBatch().finally(() => (this.running = undefined));
    return this.running;
  }

  private async visitBatch(): Promise<number> {
    const after = this.after;
    const workspaces = await this.db
      .selectFrom('file_revisions')
      .select('workspace_id')
      .distinct()
      .$if(after !== undefined, (query) => query.where('workspace_id', '>', after!))
      .orderBy('workspace_id')
      .limit(this.options.batch)
      .execute();
    this.after =
      workspaces.length < this.options.batch ? undefined : workspaces.at(-1)!.workspace_id;
    let forgotten = 0;
    for (const { workspace_id: workspaceId } of workspaces) {
      try {
        forgotten += await this.files.pruneRevisions(workspaceId);
      } catch (error) {
        // Deleted meanwhile, or the database briefly away: the next round comes back to it.
        this.log.warn({ err: error, workspaceId }, 'revision sweep skipped a workspace');
      }
    }
    return forgotten;
  }

  [Symbol.dispose](): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
