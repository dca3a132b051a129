/**
 * One cell per workspace: started on first need, recorded in the database, reaped when
 * idle or too old, swept when a crash left it behind. The manager owns every running
 * cell and everything attached to it (agent client, file sync, timers) and disposes
 * them together.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';

import type { Config } from '../config';
import { isWorkcellError, WorkcellError } from '../errors';
import type { FileService } from '../files/service';
import type { CellCensus } from '../metrics/cell-gauge';
import type { ServerMetrics } from '../metrics/server-metrics';
import type { Db } from '../store/database';
import type { CellRow, CellState } from '../store/schema';
import type { EgressService } from '../egress/service';
import { AgentClient } from './agent-client';
import type {
  CellDriver,
  CellExit,
  CellLayout,
  IsolationReport,
  LimitEvent,
  RunningCell,
} from './driver';
import { cellTemplate } from './limits';
import { CellSync, type SyncNotice } from './sync';

export type CellEvent =
  | {
      type: 'status';
      workspaceId: string;
      state: CellState;
      reason?: string;
      progress?: string;
      /** On `ready`: the cell's Python version, when it could be learned. */
      python?: string;
    }
  | { type: 'warning'; workspaceId: string; message: string; stopsAt: string }
  | { type: 'limit'; workspaceId: string; message: string }
  | { type: 'sync'; workspaceId: string; path: string; message: string };
export type CellEventListener = (event: CellEvent) => void;

/** Internal bookkeeping of the cell, never synced to the database. */
export const CELL_STATE_DIR = '.workcell';
const VOLUME_ID_PATH = `${CELL_STATE_DIR}/volume-id`;
const AGENT_READY_TIMEOUT_MS = 20_000;
export const SYNC_WAIT_MS = 5_000;
const SHARED_START_POLL_MS = 250;
/** Renewed at every reaper tick (at most 30 s apart). */
const LEASE_MS = 90_000;
/** Any fixed number: the advisory lock under which one replica marks abandoned cells stopped. */
const ABANDONED_CELLS_LOCK = 7_201_013;
const RUNNING_STATES = ['starting', 'ready', 'stopping'] as const;
const LIFETIME_WARNING_MS = 5 * 60_000;
/** How long a start waits to learn the cell's Python version; the cell is ready without it. */
const PYTHON_VERSION_TIMEOUT_MS = 5_000;
const PYTHON_VERSION_ARGV = ['python3', '-c', "import sys;print('%d.%d.%d'%sys.version_info[:3])"];

/** Something living as long as a cell (its terminals, say), disposed with it. */
export interface CellAttachment {
  /** Runs while the cell is still up, before it stops. */
  beforeStop?(): Promise<void>;
  dispose(): void;
  /** Instead of dispose when the cell goes on under another replica; defaults to dispose. */
  handOver?(): void;
}

export interface Cell {
  readonly workspaceId: string;
  readonly ownerId: string;
  /** Where things are inside the cell (its driver's). */
  readonly layout: CellLayout;
  readonly agent: AgentClient;
  readonly sync: CellSync;
  readonly startedAt: number;
  /** The cell's Python version ("3.11.2"), or null when it could not be learned. */
  readonly python: string | null;
  lastActivity: number;
  warned: boolean;
  /** The cell's instance of `key`, created on first use and disposed when the cell goes. */
  attachment<T extends CellAttachment>(key: string, create: (cell: Cell) => T): T;
}

interface RunningEntry extends Cell {
  python: string | null;
  running: RunningCell;
  attachments: Map<string, CellAttachment>;
  /** Recent limit hits (newest last), kept so a run can tell what killed its process. */
  limits: { at: number; event: LimitEvent }[];
  /** The `lastActivity` the cells table holds, so an idle cell costs the reaper no write. */
  persistedActivity: number;
}

const LIMIT_HISTORY = 20;

export interface CellManagerOptions {
  db: Db;
  driver: CellDriver;
  files: FileService;
  config: Config;
  log: FastifyBaseLogger;
  metrics: ServerMetrics;
  /** This server replica, as its cells' leases name it; the same across its restarts. */
  replicaId: string;
  /** Carries the cells' egress; absent: cells get none. */
  egress?: EgressService;
}

export class CellManager {
  private readonly cells = new Map<string, RunningEntry>();
  private readonly starting = new Map<string, Promise<RunningEntry>>();
  /** The owners of the cells in `starting`, which count against the caps too. */
  private readonly startingOwners = new Map<string, string>();
  /** Cells being stopped; a new cell of the workspace starts once its old one is gone. */
  private readonly stopping = new Map<string, Promise<boolean>>();
  private readonly listeners = new Set<CellEventListener>();
  private reaper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: CellManagerOptions) {}

  /** Where things are inside this server's cells. */
  get layout(): CellLayout {
    return this.options.driver.layout;
  }

  /** Cleans what a crashed server left and starts the reaper. */
  async init(): Promise<void> {
    const { db, driver, log } = this.options;
    // Shared cells outlive their replica: the live ones are left for whoever needs them
    // (and adopted once their lease runs out, tendAbandoned).
    const keep = driver.sharedCells ? await this.runningWorkspaces() : new Set<string>();
    const swept = await driver.sweepOrphans(keep);
    if (swept.length > 0)
      log.warn({ workspaces: swept }, 'removed cells left behind by an earlier server');
    if (!driver.sharedCells) {
      // This replica's cells from before its restart are gone (swept above); another
      // replica's live ones are not this replica's to touch.
      await db
        .updateTable('cells')
        .set({
          state: 'stopped',
          reason: 'the server restarted',
          stopped_at: new Date(),
          updated_at: new Date(),
        })
        .where('state', 'in', RUNNING_STATES)
        .where((eb) =>
          eb.or([
            eb('replica_id', '=', this.options.replicaId),
            eb('replica_id', 'is', null),
            eb('lease_expires_at', '<', new Date()),
          ]),
        )
        .execute();
    }
    // Checks often enough that neither the idle time nor the lifetime overshoots by more
    // than a quarter of the shorter one (and at least every 30 s).
    const { CELL_IDLE_MINUTES, CELL_MAX_LIFETIME_MINUTES } = this.options.config;
    const shortest = Math.min(CELL_IDLE_MINUTES, CELL_MAX_LIFETIME_MINUTES) * 60_000;
    const interval = Math.min(30_000, Math.max(200, shortest / 4));
    this.reaper = setInterval(() => void this.reap(), interval);
    this.reaper.unref();
  }

  onEvent(listener: CellEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells this server's listeners of an event of a cell another replica runs. */
  announce(event: CellEvent): void {
    this.emit(event);
  }

  /** Whether cells get the egress proxy (CELL_EGRESS_ALLOW is set). */
  get egressEnabled(): boolean {
    return this.options.egress !== undefined;
  }

  /** The driver cells run with, and what this host provides for it (for detailed health). */
  get driverName(): string {
    return this.options.driver.name;
  }

  probeIsolation(): Promise<IsolationReport> {
    return this.options.driver.probe();
  }

  get(workspaceId: string): Cell | undefined {
    return this.cells.get(workspaceId);
  }

  /** How many of this server's cells are in each live state. */
  census(): CellCensus {
    return {
      driver: this.options.driver.name,
      starting: this.starting.size,
      ready: this.cells.size,
      stopping: this.stopping.size,
    };
  }

  /**
   * Resolves once the workspace's running cell holds every change saved so far, or after
   * SYNC_WAIT_MS (a cell busy with a large rescan): a save that has answered is then in
   * the cell for the command typed next in its terminal.
   */
  async synced(workspaceId: string): Promise<void> {
    const cell = this.cells.get(workspaceId);
    if (!cell) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      cell.sync.inCell(),
      new Promise((resolve) => (timer = setTimeout(resolve, SYNC_WAIT_MS))),
    ]).finally(() => clearTimeout(timer));
  }

  async record(workspaceId: string): Promise<CellRow | undefined> {
    return this.options.db
      .selectFrom('cells')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
  }

  /** The running cell of the workspace, starting it if needed. */
  async ensure(workspaceId: string, ownerId: string): Promise<Cell> {
    const running = this.cells.get(workspaceId);
    if (running) return running;
    let starting = this.starting.get(workspaceId);
    if (!starting) {
      starting = this.start(workspaceId, ownerId).finally(() => {
        this.starting.delete(workspaceId);
        this.startingOwners.delete(workspaceId);
      });
      this.starting.set(workspaceId, starting);
      this.startingOwners.set(workspaceId, ownerId);
    }
    return starting;
  }

  /** Marks the workspace as in use, postponing the idle reaper. */
  touch(workspaceId: string): void {
    const cell = this.cells.get(workspaceId);
    if (cell) cell.lastActivity = Date.now();
  }

  async stop(workspaceId: string, reason: string): Promise<boolean> {
    await this.starting.get(workspaceId)?.catch(() => undefined);
    const cell = this.cells.get(workspaceId);
    if (!cell) {
      // Already on its way out: done once it is stopped.
      await this.stopping.get(workspaceId)?.catch(() => undefined);
      return false;
    }
    this.cells.delete(workspaceId);
    const stopped = this.stopCell(cell, reason).finally(() => this.stopping.delete(workspaceId));
    this.stopping.set(workspaceId, stopped);
    return stopped;
  }

  private async stopCell(cell: RunningEntry, reason: string): Promise<boolean> {
    const { workspaceId } = cell;
    await this.setState(workspaceId, 'stopping', reason);
    const beforeStop = [
      () => cell.sync.reconcile(),
      ...[...cell.attachments.values()].map((a) => () => a.beforeStop?.()),
    ];
    for (const step of beforeStop) {
      try {
        await step();
      } catch (error) {
        this.options.log.warn(
          { err: error, workspaceId },
          'a step before stopping the cell failed',
        );
      }
    }
    await this.dispose(cell);
    await this.setState(workspaceId, 'stopped', reason, { stopped_at: new Date() });
    return true;
  }

  /** The workspace is being deleted: its cell stops and its volume goes, files and all. */
  async forget(workspaceId: string): Promise<void> {
    await this.stop(workspaceId, 'the workspace was deleted');
    await this.options.driver.removeVolume(workspaceId);
  }

  /**
   * Server shutdown: every cell stops, syncing what it changed first; shared cells are
   * handed over instead (a rolling upgrade keeps every terminal).
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    await Promise.allSettled([...this.starting.values()]);
    await Promise.all(
      [...this.cells.keys()].map((id) =>
        this.options.driver.sharedCells ? this.handOver(id) : this.stop(id, 'the server stopped'),
      ),
    );
    await Promise.allSettled([...this.stopping.values()]);
    await this.options.driver.close();
  }

  /**
   * Leaves a shared cell running with its files synced and its lease given up, so the next
   * replica's reaper tick adopts it (and any replica asked for it takes it at once).
   */
  private async handOver(workspaceId: string): Promise<void> {
    const cell = this.cells.get(workspaceId);
    if (!cell) return;
    this.cells.delete(workspaceId);
    await cell.sync
      .reconcile()
      .catch((error: unknown) =>
        this.options.log.warn(
          { err: error, workspaceId },
          'syncing a cell before handing it over failed',
        ),
      );
    await this.release(cell);
    await this.giveUpLease(workspaceId);
  }

  /** Lets the next tick of any replica adopt the cell (tendAbandoned). */
  private async giveUpLease(workspaceId: string): Promise<void> {
    await this.options.db
      .updateTable('cells')
      .set({ lease_expires_at: new Date(0) })
      .where('workspace_id', '=', workspaceId)
      .where('replica_id', '=', this.options.replicaId)
      .execute();
  }

  /** Limits the cell hit since `since` (ms epoch), e.g. during one run. */
  async limitEventsSince(workspaceId: string, since: number): Promise<LimitEvent[]> {
    const cell = this.cells.get(workspaceId);
    if (!cell) return [];
    await this.collectLimitEvents(cell);
    return cell.limits.filter((limit) => limit.at >= since).map((limit) => limit.event);
  }

  private async collectLimitEvents(cell: RunningEntry): Promise<void> {
    const now = Date.now();
    for (const event of await cell.running.takeLimitEvents()) {
      cell.limits.push({ at: now, event });
      this.emit({ type: 'limit', workspaceId: cell.workspaceId, message: event.message });
    }
    cell.limits.splice(0, cell.limits.length - LIMIT_HISTORY);
  }

  private emit(event: CellEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private async setState(
    workspaceId: string,
    state: CellState,
    reason?: string,
    extra: Partial<CellRow> = {},
    python?: string,
  ) {
    // Only while this replica holds the lease: one that lost it says nothing of the cell
    // another replica now runs.
    const { numUpdatedRows } = await this.options.db
      .updateTable('cells')
      .set({ state, reason: reason ?? null, updated_at: new Date(), ...extra })
      .where('workspace_id', '=', workspaceId)
      .where('replica_id', '=', this.options.replicaId)
      .executeTakeFirst();
    if (numUpdatedRows === 0n) return;
    this.emit({
      type: 'status',
      workspaceId,
      state,
      ...(reason !== undefined && { reason }),
      ...(python !== undefined && { python }),
    });
  }

  /** Runs before the new cell joins `starting`: cells running or starting count. */
  private checkCapacity(ownerId: string): void {
    const { CELL_MAX_PER_USER, CELL_MAX_TOTAL } = this.options.config;
    if (this.cells.size + this.starting.size >= CELL_MAX_TOTAL) {
      throw new WorkcellError(
        'CELL_LIMIT_REACHED',
        `This server runs at most ${CELL_MAX_TOTAL} cells; try again later.`,
      );
    }
    const mine =
      [...this.cells.values()].filter((cell) => cell.ownerId === ownerId).length +
      [...this.startingOwners.values()].filter((owner) => owner === ownerId).length;
    if (mine >= CELL_MAX_PER_USER) {
      throw new WorkcellError(
        'CELL_LIMIT_REACHED',
        `You can run ${CELL_MAX_PER_USER} workspaces at once; stop one first.`,
      );
    }
  }

  /**
   * Takes the workspace's cell lease, unless another live replica holds it and its cells
   * cannot be shared; a shared cell's lease moves to the replica that needs it.
   */
  private async markStarting(workspaceId: string): Promise<CellRow> {
    const { db, driver, replicaId } = this.options;
    const lease = { replica_id: replicaId, lease_expires_at: new Date(Date.now() + LEASE_MS) };
    const row = await db
      .insertInto('cells')
      .values({ workspace_id: workspaceId, state: 'starting', driver: driver.name, ...lease })
      .onConflict((oc) =>
        oc
          .column('workspace_id')
          .doUpdateSet({ state: 'starting', reason: null, updated_at: new Date(), ...lease })
          .where((eb) =>
            driver.sharedCells
              ? // Not while another replica starts it: two pods would be made for it.
                eb.or([
                  eb('cells.state', '!=', 'starting'),
                  eb('cells.replica_id', 'is', null),
                  eb('cells.replica_id', '=', replicaId),
                  eb('cells.lease_expires_at', '<', new Date()),
                ])
              : eb.or([
                  eb('cells.state', 'not in', RUNNING_STATES),
                  eb('cells.replica_id', 'is', null),
                  eb('cells.replica_id', '=', replicaId),
                  eb('cells.lease_expires_at', '<', new Date()),
                ]),
          ),
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new WorkcellError('CELL_ELSEWHERE');
    return row;
  }

  /** A shared cell another replica is starting is taken once it has started. */
  private async takeLease(workspaceId: string): Promise<CellRow> {
    const deadline = Date.now() + AGENT_READY_TIMEOUT_MS;
    for (;;) {
      try {
        return await this.markStarting(workspaceId);
      } catch (error) {
        const waits =
          this.options.driver.sharedCells &&
          isWorkcellError(error) &&
          error.code === 'CELL_ELSEWHERE' &&
          Date.now() < deadline;
        if (!waits) throw error;
        await sleep(SHARED_START_POLL_MS);
      }
    }
  }

  private async start(workspaceId: string, ownerId: string): Promise<RunningEntry> {
    if (this.closed) throw new WorkcellError('CELL_UNAVAILABLE', 'The server is shutting down.');
    this.checkCapacity(ownerId);
    const { config, driver, files, log, metrics } = this.options;
    const started = metrics.cellStartDuration.startTimer({ driver: driver.name });
    await this.stopping.get(workspaceId)?.catch(() => undefined);
    const row = await this.takeLease(workspaceId);
    this.emit({ type: 'status', workspaceId, state: 'starting', progress: 'starting the sandbox' });
    let running: RunningCell | undefined;
    let agent: AgentClient | undefined;
    try {
      const template = cellTemplate(config);
      running = await driver.start({
        ...template,
        workspaceId,
        ownerId,
        egress: this.options.egress && template.egress,
        progress: (progress) =>
          this.emit({ type: 'status', workspaceId, state: 'starting', progress }),
      });
      agent = new AgentClient(running.channel);
      await agent.waitReady(AGENT_READY_TIMEOUT_MS);
      this.emit({ type: 'status', workspaceId, state: 'starting', progress: 'syncing files' });
      // Learned while the files sync; the cell is ready with or without it.
      const python = this.pythonVersion(agent, workspaceId);
      const volumeId = await this.volumeId(agent, row.volume_id);
      const entry: RunningEntry = {
        workspaceId,
        ownerId,
        layout: driver.layout,
        running,
        agent,
        python: null,
        startedAt: Date.now(),
        lastActivity: Date.now(),
        persistedActivity: 0,
        warned: false,
        limits: [],
        attachments: new Map(),
        attachment<T extends CellAttachment>(key: string, create: (cell: Cell) => T): T {
          let attached = this.attachments.get(key) as T | undefined;
          if (!attached) {
            attached = create(this);
            this.attachments.set(key, attached);
          }
          return attached;
        },
        sync: new CellSync({
          workspaceId,
          db: this.options.db,
          files,
          agent,
          ignore: [...config.SYNC_IGNORE, CELL_STATE_DIR],
          onNotice: (notice: SyncNotice) =>
            this.emit({ type: 'sync', workspaceId, path: notice.path, message: notice.reason }),
          onActivity: () => this.touch(workspaceId),
          log,
          metrics,
        }),
      };
      if (volumeId !== row.volume_id) {
        await this.options.db
          .deleteFrom('cell_manifest')
          .where('workspace_id', '=', workspaceId)
          .execute();
      }
      await entry.sync.start();
      entry.python = await python;
      await this.setState(
        workspaceId,
        'ready',
        undefined,
        {
          started_at: new Date(),
          stopped_at: null,
          volume_id: volumeId,
          last_activity_at: new Date(),
        },
        entry.python ?? undefined,
      );
      // Starting a workspace's cell is opening it: it moves to the top of the dashboard.
      await this.options.db
        .updateTable('workspaces')
        .set({ opened_at: new Date() })
        .where('id', '=', workspaceId)
        .execute()
        .catch((error: unknown) =>
          log.warn({ err: error, workspaceId }, 'the workspace could not be marked opened'),
        );
      if (this.options.egress) {
        entry.attachments.set('egress', this.options.egress.attach(agent, workspaceId));
      }
      this.cells.set(workspaceId, entry);
      started({ outcome: 'ready' });
      void running.exited
        .then((exit) => this.onExited(entry, exit))
        .catch((error: unknown) =>
          log.error({ err: error, workspaceId }, 'cleaning up after an exited cell failed'),
        );
      return entry;
    } catch (error) {
      agent?.dispose();
      await running?.stop().catch(() => undefined);
      const reason = isWorkcellError(error) ? error.message : 'the cell could not start';
      log.error({ err: error, workspaceId }, 'cell failed to start');
      await this.setState(workspaceId, 'failed', reason);
      started({ outcome: 'failed' });
      if (isWorkcellError(error)) throw error;
      throw new WorkcellError('CELL_FAILED', `The workspace cell failed to start: ${reason}.`);
    }
  }

  /** The cell's `python3` version, or null (logged) when it cannot be run or answers oddly. */
  private async pythonVersion(agent: AgentClient, workspaceId: string): Promise<string | null> {
    try {
      const { result, body } = await agent.request(
        {
          op: 'exec.run',
          execId: `python-version-${randomUUID()}`,
          argv: PYTHON_VERSION_ARGV,
          timeoutMs: PYTHON_VERSION_TIMEOUT_MS,
          maxOutputBytes: 256,
        },
        Buffer.alloc(0),
        PYTHON_VERSION_TIMEOUT_MS + 1_000,
      );
      const stdout = body.subarray(0, result.stdoutBytes).toString('utf8').trim();
      if (result.exitCode === 0 && /^\d+\.\d+\.\d+$/.test(stdout)) return stdout;
      this.options.log.warn(
        { workspaceId, exitCode: result.exitCode, timedOut: result.timedOut },
        "the cell's Python version could not be learned",
      );
    } catch (error) {
      this.options.log.warn(
        { err: error, workspaceId },
        "the cell's Python version could not be learned",
      );
    }
    return null;
  }

  /**
   * The id written in the volume at its first start. A different or missing id means a
   * new volume, whose emptiness says nothing about deletions: the manifest is void then.
   */
  private async volumeId(agent: AgentClient, recorded: string | null): Promise<string> {
    const found = await agent
      .request({ op: 'fs.read', path: VOLUME_ID_PATH, maxBytes: 64 })
      .then(({ body }) => body.toString('utf8').trim())
      .catch(() => '');
    if (found !== '' && found === recorded) return found;
    const fresh = randomUUID();
    await agent.request({ op: 'fs.write', path: VOLUME_ID_PATH }, Buffer.from(fresh));
    return fresh;
  }

  private async onExited(
    cell: RunningEntry,
    { reason, stopped, detached }: CellExit,
  ): Promise<void> {
    if (this.cells.get(cell.workspaceId) !== cell) return;
    this.cells.delete(cell.workspaceId);
    if (!(await this.holdsLease(cell.workspaceId))) {
      // Another replica took the cell over (the agent let this one's connection go).
      await this.release(cell);
      return;
    }
    if (detached) {
      // The cell runs on, out of this replica's reach for now: whoever needs it next
      // (this replica included) connects again, and its shells are still there.
      this.options.log.warn({ workspaceId: cell.workspaceId, reason }, 'lost the cell');
      await this.release(cell);
      await this.giveUpLease(cell.workspaceId);
      return;
    }
    this.options.log.warn({ workspaceId: cell.workspaceId, reason }, 'cell exited unexpectedly');
    await this.dispose(cell);
    await this.setState(
      cell.workspaceId,
      stopped ? 'stopped' : 'failed',
      `the cell stopped: ${reason}`,
      { stopped_at: new Date() },
    ).catch(() => undefined);
  }

  private async holdsLease(workspaceId: string): Promise<boolean> {
    const row = await this.record(workspaceId).catch(() => undefined);
    return row?.replica_id === this.options.replicaId;
  }

  /** Lets go of a cell another replica now runs: its attachments go, the cell stays. */
  private async release(cell: RunningEntry): Promise<void> {
    for (const attached of cell.attachments.values()) {
      if (attached.handOver) attached.handOver();
      else attached.dispose();
    }
    cell.sync.dispose();
    cell.agent.dispose();
    await cell.running
      .detach()
      .catch((error: unknown) =>
        this.options.log.warn(
          { err: error, workspaceId: cell.workspaceId },
          'letting go of the cell failed',
        ),
      );
  }

  private async dispose(cell: RunningEntry): Promise<void> {
    for (const attached of cell.attachments.values()) attached.dispose();
    cell.sync.dispose();
    await cell.agent.request({ op: 'shutdown' }, undefined, 2_000).catch(() => undefined);
    cell.agent.dispose();
    try {
      await cell.running.stop();
    } catch (error) {
      // The cell is gone either way; what the driver could not release, it removes before
      // the workspace's next start and in the sweep at server start.
      this.options.log.error(
        { err: error, workspaceId: cell.workspaceId },
        "the cell's resources could not all be released",
      );
    }
  }

  private async reap(): Promise<void> {
    const { CELL_IDLE_MINUTES, CELL_MAX_LIFETIME_MINUTES } = this.options.config;
    const idleMs = CELL_IDLE_MINUTES * 60_000;
    const lifetimeMs = CELL_MAX_LIFETIME_MINUTES * 60_000;
    const now = Date.now();
    for (const cell of [...this.cells.values()]) {
      try {
        const age = now - cell.startedAt;
        if (age >= lifetimeMs) {
          await this.stop(
            cell.workspaceId,
            `the cell reached its maximum lifetime of ${CELL_MAX_LIFETIME_MINUTES} minutes`,
          );
          continue;
        }
        if (!cell.warned && age >= lifetimeMs - LIFETIME_WARNING_MS) {
          cell.warned = true;
          const stopsAt = new Date(cell.startedAt + lifetimeMs);
          this.emit({
            type: 'warning',
            workspaceId: cell.workspaceId,
            stopsAt: stopsAt.toISOString(),
            message: `This cell stops at ${stopsAt.toISOString()} (maximum lifetime); your files are saved.`,
          });
        }
        await this.collectLimitEvents(cell);
        if (now - cell.lastActivity < idleMs) continue;
        const { result } = await cell.agent.request({ op: 'stats' });
        if (result.userProcesses > 0) {
          this.touch(cell.workspaceId);
          continue;
        }
        await this.stop(cell.workspaceId, `the cell was idle for ${CELL_IDLE_MINUTES} minutes`);
      } catch (error) {
        this.options.log.warn({ err: error, workspaceId: cell.workspaceId }, 'reaper check failed');
      }
    }
    await this.persistActivity();
    await this.renewLeases();
    await this.tendAbandoned();
  }

  /**
   * Renews this replica's leases. A cell whose lease another replica took is let go here:
   * a shared one keeps running for the new holder, any other is stopped.
   */
  private async renewLeases(): Promise<void> {
    if (this.cells.size === 0) return;
    const renewed = await this.options.db
      .updateTable('cells')
      .set({ lease_expires_at: new Date(Date.now() + LEASE_MS) })
      .where('replica_id', '=', this.options.replicaId)
      .where('workspace_id', 'in', [...this.cells.keys()])
      .returning('workspace_id')
      .execute();
    const kept = new Set(renewed.map((row) => row.workspace_id));
    for (const workspaceId of [...this.cells.keys()].filter((id) => !kept.has(id))) {
      this.options.log.warn({ workspaceId }, 'another server took over this cell');
      const cell = this.cells.get(workspaceId);
      if (!cell) continue;
      if (!this.options.driver.sharedCells) {
        await this.stop(workspaceId, 'another server took over the workspace');
        continue;
      }
      this.cells.delete(workspaceId);
      await this.release(cell);
    }
  }

  /**
   * The cells whose replica stopped renewing their leases (it died), tended once, by
   * whichever replica takes the lock first. A shared cell still runs: that replica adopts
   * it (its files sync again, it is reaped as usual) and removes pods no cell row keeps.
   * Any other cell died with its replica: it is marked stopped. Sockets on every replica
   * hear either.
   */
  private async tendAbandoned(): Promise<void> {
    const { db, driver, replicaId } = this.options;
    const abandoned = await db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ locked: boolean }>`
        SELECT pg_try_advisory_xact_lock(${ABANDONED_CELLS_LOCK}) AS locked`.execute(tx);
      if (!rows[0]?.locked) return [];
      const expired = tx
        .updateTable('cells')
        .where('state', 'in', RUNNING_STATES)
        .where('lease_expires_at', '<', new Date());
      if (!driver.sharedCells) {
        return expired
          .set({
            state: 'stopped',
            reason: 'the server running it stopped answering',
            stopped_at: new Date(),
            updated_at: new Date(),
          })
          .returning(['workspace_id', 'reason'])
          .execute();
      }
      const adopted = await expired
        .set({ replica_id: replicaId, lease_expires_at: new Date(Date.now() + LEASE_MS) })
        .returning('workspace_id')
        .execute();
      await driver.sweepOrphans(await this.runningWorkspaces(tx));
      return adopted.map(({ workspace_id }) => ({ workspace_id, reason: null }));
    });
    for (const { workspace_id: workspaceId, reason } of abandoned) {
      if (!driver.sharedCells) {
        this.emit({ type: 'status', workspaceId, state: 'stopped', reason: reason ?? undefined });
        continue;
      }
      const workspace = await db
        .selectFrom('workspaces')
        .select('owner_id')
        .where('id', '=', workspaceId)
        .executeTakeFirst();
      if (workspace)
        await this.ensure(workspaceId, workspace.owner_id).catch((error: unknown) =>
          this.options.log.warn({ err: error, workspaceId }, 'adopting an abandoned cell failed'),
        );
    }
  }

  private async runningWorkspaces(db: Db = this.options.db): Promise<Set<string>> {
    const rows = await db
      .selectFrom('cells')
      .select('workspace_id')
      .where('state', 'in', RUNNING_STATES)
      .execute();
    return new Set(rows.map((row) => row.workspace_id));
  }

  /** One statement for every cell used since the last tick; none when all are idle. */
  private async persistActivity(): Promise<void> {
    const changed = [...this.cells.values()].filter(
      (cell) => cell.lastActivity !== cell.persistedActivity,
    );
    if (changed.length === 0) return;
    const rows = changed.map(
      (cell) => sql`(${cell.workspaceId}::uuid, ${new Date(cell.lastActivity)}::timestamptz)`,
    );
    await sql`
      update cells set last_activity_at = used.at
      from (values ${sql.join(rows)}) as used (workspace_id, at)
      where cells.workspace_id = used.workspace_id`.execute(this.options.db);
    for (const cell of changed) cell.persistedActivity = cell.lastActivity;
  }
}
