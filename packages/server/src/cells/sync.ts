/**
 * Keeps a cell's /app and the database in step (DESIGN: the database is the truth, the
 * cell a cache; nothing acknowledged is lost).
 *
 * - At start, `reconcile` compares three views per path — the database, the cell, and
 *   the manifest (what the cell held at the last sync) — to tell a change made in the
 *   cell while no server was listening from one made in the database since, and keeps
 *   both: the database wins only where the cell has not changed.
 * - Database → cell: every committed change not made by this cell is written into it,
 *   on the condition that the cell's copy is still the one last synced; if the cell
 *   changed it meanwhile, the cell's content is imported first (the database's becomes
 *   a revision), so neither write is lost.
 * - Cell → database: the agent's watch reports paths; they are read, de-duplicated by
 *   content hash and committed with source `terminal`.
 *
 * All operations on one cell run through one queue, so they never interleave.
 */
import { isWithin, normaliseWorkspacePath } from '@workcell/protocol';
import type { ListedEntry } from '@workcell/protocol/agent';

import { isWorkcellError, WorkcellError } from '../errors';
import type { ErrorCode } from '@workcell/protocol';
import type { FileChangeEvent } from '../files/events';
import { validPath, type FileService } from '../files/service';
import type { ServerMetrics } from '../metrics/server-metrics';
import type { Db } from '../store/database';
import type { AgentClient } from './agent-client';

export interface SyncNotice {
  workspaceId: string;
  path: string;
  /** Why a change in the cell did not reach the database. */
  reason: string;
}

export interface CellSyncOptions {
  workspaceId: string;
  db: Db;
  files: FileService;
  agent: AgentClient;
  /** Directory names never synced (caches, environments). */
  ignore: readonly string[];
  onNotice: (notice: SyncNotice) => void;
  onActivity: () => void;
  log: { warn: (object: object, message: string) => void };
  metrics: ServerMetrics;
}

/** What a queued sync step does, as the duration metric names it. */
type SyncOperation = 'reconcile' | 'push' | 'import';

const refusedName = (name: string) => {
  const result = normaliseWorkspacePath(name);
  return new WorkcellError(
    result.ok ? 'INVALID_PATH' : result.code,
    `the name is not allowed here: ${result.ok ? 'it is not in its normal form (NFC)' : result.reason}; rename it in the terminal`,
  );
};

/** The cell is gone, not answering or overwhelmed: no path can sync, the sync as a whole fails. */
const WHOLE_SYNC_FAILURES = new Set<ErrorCode>(['CELL_UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED']);

const WATCH_DEBOUNCE_MS = 30;

export class CellSync {
  private queue: Promise<void> = Promise.resolve();
  /** Resolves when the last queued step's change is in the cell (inCell). */
  private lastReachedCell: Promise<void> = Promise.resolve();
  private pendingPaths = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly unsubscribe: () => void;
  /**
   * The manifest's rows, mirrored from the first rescan on: this sync is their only writer
   * while its cell runs, so a save reaches the cell without a query before the write.
   */
  private manifest: Map<string, string | null> | undefined;
  /** The newest version each path's published changes name, this sync's imports included. */
  private readonly newestVersions = new Map<string, number>();

  constructor(private readonly options: CellSyncOptions) {
    this.unsubscribe = options.files.onChange((event) => {
      if (event.workspaceId !== options.workspaceId) return;
      if (event.deleted) this.newestVersions.delete(event.path);
      else
        this.newestVersions.set(
          event.path,
          Math.max(event.version, this.newestVersions.get(event.path) ?? 0),
        );
      if (event.source !== 'terminal')
        this.enqueue('push', (reachedCell) => this.pushToCell(event, reachedCell));
    });
    options.agent.on('watch.changes', ({ changes }) => {
      for (const change of changes) this.pendingPaths.add(change.path);
      this.scheduleImport();
    });
    options.agent.on('watch.refused', ({ names }) => {
      for (const name of names) this.skipped(name, refusedName(name));
    });
    options.agent.on('watch.overflow', () => this.enqueue('reconcile', () => this.rescan()));
  }

  /**
   * Starts watching the cell, then brings cell and database into agreement. Watching
   * first means nothing changed during the rescan goes unseen; what the rescan itself
   * writes comes back as events that the hash check turns into no-ops.
   */
  async start(): Promise<void> {
    await this.options.agent.request({ op: 'watch.start', ignore: [...this.options.ignore] });
    await this.enqueueAndWait('reconcile', () => this.rescan());
  }

  /** Resolves once every change queued so far has reached its destination. */
  async flush(): Promise<void> {
    if (this.pendingPaths.size > 0) this.importPending();
    await this.queue;
  }

  /**
   * Resolves once the cell holds every change queued so far: as flush, but without
   * waiting for the manifest's row of the last write into the cell (about a millisecond of
   * a save's answer). That row is written before anything queued after it runs.
   */
  async inCell(): Promise<void> {
    if (this.pendingPaths.size > 0) this.importPending();
    await this.lastReachedCell;
  }

  /**
   * Brings the database up to date with all the cell holds, changes the agent's watch has
   * not reported yet included (it reports after a quiet moment): for a cell about to stop.
   */
  async reconcile(): Promise<void> {
    await this.flush();
    await this.enqueueAndWait('reconcile', () => this.rescan());
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.flushTimer);
    this.unsubscribe();
  }

  private isIgnored(path: string): boolean {
    return path.split('/').some((segment) => this.options.ignore.includes(segment));
  }

  private enqueue(
    operation: SyncOperation,
    work: (reachedCell: () => void) => Promise<void>,
  ): void {
    void this.enqueueAndWait(operation, work);
  }

  /**
   * Runs `work` after everything queued before it; timed from its start, not its queueing.
   * `work` may call `reachedCell` once the cell holds its change (see inCell); its end does.
   */
  private enqueueAndWait(
    operation: SyncOperation,
    work: (reachedCell: () => void) => Promise<void>,
  ): Promise<void> {
    let reachedCell!: () => void;
    this.lastReachedCell = new Promise((resolve) => (reachedCell = resolve));
    const run = this.queue.then(async () => {
      if (this.disposed) return reachedCell();
      const done = this.options.metrics.cellSyncDuration.startTimer({ operation });
      try {
        await work(reachedCell);
        done();
      } catch (error) {
        this.options.log.warn(
          { err: error, workspaceId: this.options.workspaceId },
          'cell sync step failed',
        );
      } finally {
        reachedCell();
      }
    });
    this.queue = run;
    return run;
  }

  private scheduleImport(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.importPending(), WATCH_DEBOUNCE_MS);
  }

  private importPending(): void {
    clearTimeout(this.flushTimer);
    const paths = [...this.pendingPaths];
    this.pendingPaths.clear();
    this.enqueue('import', async () => {
      for (const path of paths) await this.importFromCell(path);
    });
  }

  // ---- cell → database ----------------------------------------------------------------

  private async importFromCell(rawPath: string): Promise<void> {
    let path: string;
    try {
      path = validPath(rawPath);
    } catch (error) {
      this.skipped(rawPath, error);
      return;
    }
    if (this.isIgnored(path)) return;
    const { agent, files, workspaceId } = this.options;
    const [entry] = (
      await agent.request({
        op: 'fs.list',
        path,
        ignore: [...this.options.ignore],
        hash: true,
        depth: 0,
      })
    ).result.entries;
    const current = await files.find(workspaceId, path);
    if (!entry) {
      // Only what the cell had can be deleted in it; a path it never had is a save on its
      // way into the cell.
      if (current && (await this.manifestEntry(path)))
        await files.delete(workspaceId, path, 'terminal');
      await this.forget(path);
      return;
    }
    this.options.onActivity();
    if (entry.type === 'folder') {
      if (current?.type !== 'folder') await this.importFolder(path, entry);
      return;
    }
    await this.importFile(path, entry);
  }

  private async importFolder(path: string, entry: ListedEntry): Promise<void> {
    const { files, workspaceId } = this.options;
    const current = await files.find(workspaceId, path);
    if (current?.type === 'file') await files.delete(workspaceId, path, 'terminal');
    await files.createFolder(workspaceId, path, 'terminal');
    await this.remember(path, null);
    // A folder that appears (mkdir -p, mv, tar x) may already hold files the watch never saw.
    const { result } = await this.options.agent.request({
      op: 'fs.list',
      path,
      ignore: [...this.options.ignore],
      hash: true,
    });
    for (const child of result.entries)
      if (child.path !== entry.path) await this.importEntry(child);
  }

  private async importEntry(entry: ListedEntry): Promise<void> {
    const path = validPath(entry.path);
    if (this.isIgnored(path)) return;
    if (entry.type === 'folder') {
      await this.options.files.createFolder(this.options.workspaceId, path, 'terminal');
      await this.remember(path, null);
    } else {
      await this.importFile(path, entry);
    }
  }

  private async importFile(path: string, entry: ListedEntry): Promise<void> {
    const { agent, files, workspaceId } = this.options;
    const current = await files.find(workspaceId, path);
    if (current?.sha256 === entry.sha256 && entry.sha256 !== undefined) {
      await this.remember(path, entry.sha256);
      return;
    }
    // The cell holds what the sync last put there — often its own write coming back from
    // the watch while a newer save is on its way in: nothing was changed in the cell.
    if (entry.sha256 !== undefined && (await this.manifestEntry(path))?.sha256 === entry.sha256) {
      return;
    }
    if (entry.size > files.limits.maxFileBytes) {
      this.options.onNotice({
        workspaceId,
        path,
        reason: `not synced: ${entry.size} bytes is over the ${files.limits.maxFileBytes}-byte file limit`,
      });
      return;
    }
    let content: Buffer;
    try {
      content = (await agent.request({ op: 'fs.read', path, maxBytes: files.limits.maxFileBytes }))
        .body;
    } catch (error) {
      if (isWorkcellError(error) && error.code === 'FILE_NOT_FOUND') return;
      throw error;
    }
    try {
      if (current?.type === 'folder') await files.delete(workspaceId, path, 'terminal');
      const written = await files.write(workspaceId, path, content, { source: 'terminal' });
      await this.remember(path, written.sha256);
    } catch (error) {
      if (
        isWorkcellError(error) &&
        ['FILE_TOO_LARGE', 'WORKSPACE_FULL', 'NOT_A_FOLDER'].includes(error.code)
      ) {
        this.options.onNotice({ workspaceId, path, reason: `not synced: ${error.message}` });
        return;
      }
      throw error;
    }
  }

  // ---- database → cell ----------------------------------------------------------------

  private async pushToCell(event: FileChangeEvent, reachedCell?: () => void): Promise<void> {
    const { agent } = this.options;
    if (this.isIgnored(event.path)) return;
    this.options.onActivity();
    const synced = await this.manifestEntry(event.path);
    if (event.deleted) {
      try {
        await agent.request({
          op: 'fs.delete',
          path: event.path,
          ...(synced && { expectSha256: synced.sha256 }),
        });
      } catch (error) {
        if (!isWorkcellError(error)) throw error;
        if (error.code === 'VERSION_CONFLICT') return this.importFromCell(event.path);
        if (error.code !== 'FILE_NOT_FOUND') throw error;
      }
      await this.forget(event.path);
      return;
    }
    if (event.type === 'folder') {
      await agent.request({ op: 'fs.mkdir', path: event.path });
      await this.remember(event.path, null);
      return;
    }
    const written =
      event.content && this.newestVersions.get(event.path) === event.version
        ? event
        : await this.committedFile(event);
    if (!written) return; // a later event carries the newer state
    try {
      await agent.request(
        { op: 'fs.write', path: event.path, expectSha256: synced ? synced.sha256 : null },
        Buffer.from(written.content ?? new Uint8Array()),
      );
      reachedCell?.();
      await this.remember(event.path, written.sha256 ?? null);
    } catch (error) {
      // The cell's copy changed since the last sync: take it in first; the database's becomes a revision.
      if (isWorkcellError(error) && error.code === 'VERSION_CONFLICT')
        return this.importFromCell(event.path);
      throw error;
    }
  }

  /** The event's file as committed, unless a later write has replaced it. */
  private async committedFile(event: FileChangeEvent) {
    const row = await this.options.files.find(this.options.workspaceId, event.path);
    return row?.type === 'file' && row.version === event.version ? row : undefined;
  }

  // ---- start-up reconciliation ----------------------------------------------------------

  private async rescan(): Promise<void> {
    const { agent, files, workspaceId, db } = this.options;
    const [{ result }, rows, manifestRows] = await Promise.all([
      agent.request({ op: 'fs.list', ignore: [...this.options.ignore], hash: true }),
      files.list(workspaceId),
      db
        .selectFrom('cell_manifest')
        .select(['path', 'sha256'])
        .where('workspace_id', '=', workspaceId)
        .execute(),
    ]);
    for (const name of result.refused) this.skipped(name, refusedName(name));
    const inCell = new Map(result.entries.map((entry) => [entry.path, entry]));
    const inDb = new Map(rows.map((row) => [row.path, row]));
    const manifest = new Map(manifestRows.map((row) => [row.path, row.sha256]));
    this.manifest = new Map(manifest);

    for (const row of rows.filter((row) => row.type === 'folder')) {
      await this.pathByPath(row.path, async () => {
        if (inCell.get(row.path)?.type !== 'folder') {
          await agent.request({ op: 'fs.mkdir', path: row.path });
        }
        await this.remember(row.path, null);
      });
    }
    for (const row of rows.filter((row) => row.type === 'file' && !this.isIgnored(row.path))) {
      await this.pathByPath(row.path, () => this.rescanFile(row, inCell, manifest));
    }
    for (const entry of result.entries) {
      if (inDb.has(entry.path) || this.isIgnored(entry.path)) continue;
      await this.pathByPath(entry.path, () =>
        this.rescanCellEntry(entry, result.entries, manifest),
      );
    }
    for (const path of manifest.keys()) {
      if (!inCell.has(path) && !inDb.has(path)) await this.forget(path);
    }
  }

  /**
   * One path's part of a rescan. A failure that is the path's own (a name the cell or the
   * database refuses, a file over a limit) skips it and tells the user; the rest syncs, so
   * one bad name never leaves the cell's /app or the database half filled.
   */
  private async pathByPath(path: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (!isWorkcellError(error) || WHOLE_SYNC_FAILURES.has(error.code)) throw error;
      this.skipped(path, error);
    }
  }

  private skipped(path: string, error: unknown): void {
    const { workspaceId, log } = this.options;
    log.warn({ workspaceId, path, err: error }, 'a path was not synced');
    this.options.onNotice({
      workspaceId,
      path,
      reason: `not synced: ${isWorkcellError(error) ? error.message : 'it could not be read'}`,
    });
  }

  private async rescanFile(
    row: { path: string; sha256: string | null; version: number },
    inCell: ReadonlyMap<string, ListedEntry>,
    manifest: ReadonlyMap<string, string | null>,
  ): Promise<void> {
    const { files, workspaceId } = this.options;
    const cell = inCell.get(row.path);
    const wasSynced = manifest.get(row.path);
    if (cell?.sha256 === row.sha256) {
      await this.remember(row.path, row.sha256);
    } else if (!cell && wasSynced === row.sha256) {
      // The cell deleted it after the last sync and no server saw it.
      await files.delete(workspaceId, row.path, 'terminal');
      await this.forget(row.path);
    } else if (!cell || cell.sha256 === wasSynced) {
      await this.pushToCell({
        workspaceId,
        path: row.path,
        type: 'file',
        version: row.version,
        source: 'api',
      });
    } else {
      await this.importEntry(cell);
    }
  }

  private async rescanCellEntry(
    entry: ListedEntry,
    entries: readonly ListedEntry[],
    manifest: ReadonlyMap<string, string | null>,
  ): Promise<void> {
    const wasSynced = manifest.get(entry.path);
    const deletedInDb =
      manifest.has(entry.path) && (entry.type === 'folder' || wasSynced === entry.sha256);
    if (deletedInDb) {
      if (
        !entries.some(
          (other) =>
            other !== entry && isWithin(other.path, entry.path) && !manifest.has(other.path),
        )
      ) {
        await this.options.agent
          .request({ op: 'fs.delete', path: entry.path })
          .catch(() => undefined);
        await this.forget(entry.path);
      }
    } else {
      await this.importEntry(entry);
    }
  }

  // ---- manifest ---------------------------------------------------------------------------

  private async manifestEntry(path: string): Promise<{ sha256: string | null } | undefined> {
    if (this.manifest) {
      const sha256 = this.manifest.get(path);
      return sha256 === undefined ? undefined : { sha256 };
    }
    return this.options.db
      .selectFrom('cell_manifest')
      .select('sha256')
      .where('workspace_id', '=', this.options.workspaceId)
      .where('path', '=', path)
      .executeTakeFirst();
  }

  private async remember(path: string, sha256: string | null): Promise<void> {
    await this.options.db
      .insertInto('cell_manifest')
      .values({ workspace_id: this.options.workspaceId, path, sha256 })
      .onConflict((oc) => oc.columns(['workspace_id', 'path']).doUpdateSet({ sha256 }))
      .execute();
    this.manifest?.set(path, sha256);
  }

  private async forget(path: string): Promise<void> {
    await this.options.db
      .deleteFrom('cell_manifest')
      .where('workspace_id', '=', this.options.workspaceId)
      .where((eb) =>
        eb.or([eb('path', '=', path), eb('path', 'like', `${path.replace(/[\\%_]/g, '\\$&')}/%`)]),
      )
      .execute();
    for (const synced of this.manifest?.keys() ?? []) {
      if (synced === path || synced.startsWith(`${path}/`)) this.manifest?.delete(synced);
    }
  }
}
