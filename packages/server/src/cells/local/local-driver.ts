/**
 * The local cell driver: one bubblewrap sandbox per workspace on this Linux host, limited
 * by cgroups and a loop-mounted volume. See launch.ts for how a cell starts, profile.ts
 * for what it contains, and notes/sandbox.md for the measurements behind both.
 */
import { access, chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import {
  agentDistDir,
  agentEnv,
  agentNodeModulesDir,
  EGRESS_PROXY_PORT,
  ensureAgentBuilt,
} from '@workcell/agent';

import { WorkcellError } from '../../errors';
import type {
  CellDriver,
  CellLayout,
  CellLimits,
  CellSpec,
  CellTemplate,
  IsolationReport,
  LimitEvent,
  RunningCell,
} from '../driver';
import { cellShellEnv } from '../egress-env';
import { CellCgroup, formatMiB, type CgroupFs } from './cgroups';
import { killIfAlive, whenMissing } from './host';
import { launchSandbox, mountInSandbox, FD, type Sandbox } from './launch';
import { OptTree, type OptSources } from './opt-tree';
import { isAbandonedProbe, probeHost, type HostState, type LocalTools } from './probe';
import {
  buildProfile,
  CELL_HOME,
  CELL_ROOT,
  PYRIGHT_DIR,
  resolveHostTree,
  RUNTIME_FILES,
  type HostTree,
  type RuntimeFile,
} from './profile';
import { UidRegistry } from './uid-registry';
import { CELL_USER_UID } from './uids';
import {
  attachedImages,
  mountedVolumes,
  releaseVolume,
  sharedMountPointCommand,
  WorkspaceVolume,
} from './volume';
import { WarmPool, type Spare } from './warm-pool';

const MiB = 1024 * 1024;

export interface LocalDriverOptions {
  /** Where volumes and generated files live (DATA_DIR/cells); never visible in a cell. */
  cellsDir: string;
  /** The host-wide registry of uid blocks (uid-registry.ts), shared by every server here. */
  uidRegistry?: string;
  /** Directory under each cgroup hierarchy's root holding the cells' cgroups. */
  cgroupParent?: string;
  /** Use only the unified (v2) hierarchy even on a hybrid host (its limits are then absent). */
  cgroupVersion?: 2;
  /** Size of the cell's /dev/shm. */
  shmBytes?: number;
  startTimeoutMs?: number;
  /** The agent to run; defaults to @workcell/agent's bundle, built on demand. */
  agent?: () => Promise<OptSources>;
  tools?: Partial<LocalTools>;
  cgroupFs?: CgroupFs;
  /** Told as each step of a cell's start ends (bench/cell-start.ts times them). */
  onStep?: (workspaceId: string, step: StartStep) => void;
  /**
   * What the sandbox runs instead of the agent (for baselines): given the agent's command,
   * the command to run, which writes a byte to descriptor 3 once it is up.
   */
  command?: (agent: readonly string[]) => string[];
  /**
   * Keeps `size` sandboxes started from `template` (the server's settings) for the starts
   * whose spec has the same template (warm-pool.ts). It fills from the first start or sweep.
   */
  warmPool?: { size: number; template: CellTemplate; onError?: (error: unknown) => void };
}

/**
 * Steps of a cell's start in the order they end: left-overs of a crash removed, cgroup
 * and volume ready (in parallel), namespaces made (bwrap reported its pid), uid/gid maps
 * written, user namespaces sealed and the volume mounted (both overlap the agent's start),
 * the agent's first bytes.
 * A start from the warm pool has two: left-overs removed, and the volume handed over
 * (mounted into the waiting sandbox and given to its uids).
 */
export type StartStep =
  | 'leftovers'
  | 'cgroup'
  | 'volume'
  | 'namespaces'
  | 'mapped'
  | 'sealed'
  | 'mounted'
  | 'agent'
  | 'handedOver';

const STOP_GRACE_MS = 5_000;
const WORKSPACE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const defaultAgent = async (): Promise<OptSources> => {
  await ensureAgentBuilt();
  return {
    dist: agentDistDir(),
    nodeModules: agentNodeModulesDir(),
    node: process.execPath,
    pyright: pyrightDir(),
  };
};

/** The installed pyright package (a dependency of the server), or undefined without one. */
function pyrightDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('pyright/package.json'));
  } catch {
    return undefined;
  }
}

export class LocalCellDriver implements CellDriver {
  readonly name = 'local';
  readonly sharedCells = false;
  readonly layout: CellLayout = { root: CELL_ROOT, pyright: PYRIGHT_DIR };
  private readonly cellsDir: string;
  private readonly runtimeDir: string;
  private readonly uids: UidRegistry;
  private host: Promise<HostState> | undefined;
  /** The /opt of this driver's cells, mounted when the first one starts. */
  private opt: Promise<OptTree> | undefined;
  private readonly trees = new Map<string, Promise<HostTree>>();
  /** Cells of this driver, from the start of their launch until their resources are released. */
  private readonly cells = new Map<string, LocalCell | 'starting'>();
  readonly pool: WarmPool | undefined;

  constructor(private readonly options: LocalDriverOptions) {
    this.cellsDir = resolve(options.cellsDir);
    this.runtimeDir = join(this.cellsDir, '.runtime');
    this.uids = new UidRegistry(options.uidRegistry);
    const warm = options.warmPool;
    if (warm && warm.size > 0) {
      this.pool = new WarmPool(warm.size, {
        launch: async (name) => this.launchSpare(await this.hostState(), name, warm.template),
        discard: async (spare) => this.discardSpare(await this.hostState(), spare),
        busy: () => [...this.cells.values()].includes('starting'),
        onError: warm.onError ?? (() => undefined),
      });
    }
  }

  async probe(): Promise<IsolationReport> {
    this.host = this.probeHost();
    return (await this.host).report;
  }

  /** `agentExtra` adds to the agent's environment (the fake kubelet makes it listen). */
  async start(spec: CellSpec, agentExtra: Record<string, string> = {}): Promise<LocalCell> {
    const host = await this.usableHost();
    const { workspaceId } = spec;
    assertSpec(spec);
    if (this.cells.has(workspaceId)) {
      throw new Error(`the cell of workspace ${workspaceId} is already running`);
    }
    this.cells.set(workspaceId, 'starting');
    try {
      const spare =
        Object.keys(agentExtra).length === 0 && this.fitsPool(spec) && this.pool?.take();
      const cell = spare
        ? await this.handOver(host, spare, spec)
        : await this.launch(host, spec, agentExtra);
      this.cells.set(workspaceId, cell);
      void cell.exited.finally(() => {
        if (this.cells.get(workspaceId) === cell) this.cells.delete(workspaceId);
      });
      return cell;
    } catch (error) {
      this.cells.delete(workspaceId);
      throw error;
    } finally {
      this.pool?.refill();
    }
  }

  /**
   * Cells of this cells directory only: other Workcell servers on the host (another
   * DATA_DIR) may share the cgroup parent, so a cell is recognised by its marker file, its
   * mounted volume or its image's loop device, all under this cells directory.
   */
  async sweepOrphans(keep: ReadonlySet<string>): Promise<string[]> {
    const host = await this.hostState();
    const entries = await readdir(this.cellsDir);
    const marked = [];
    for (const name of entries) {
      if (await access(this.markerFile(name)).then(() => true, whenMissing(false)))
        marked.push(name);
    }
    const found = new Set([
      ...marked,
      ...(await mountedVolumes(this.cellsDir)),
      ...(await attachedImages(this.cellsDir)).map((a) => a.workspaceId),
    ]);
    const orphans = [...found].filter(
      (id) => WORKSPACE_ID.test(id) && !keep.has(id) && !this.cells.has(id),
    );
    for (const id of orphans) await this.removeLeftovers(host, id);
    await OptTree.sweep(this.cellsDir, host.tools);
    for (const name of [...found].filter((n) => isAbandonedProbe(n) || WarmPool.isAbandoned(n))) {
      await this.removeLeftovers(host, name);
      await this.removeCellDir(name);
    }
    if (host.report.usable) this.pool?.refill();
    return orphans;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    const opt = this.opt;
    this.opt = undefined;
    await opt?.then(
      (tree) => tree.close(),
      () => undefined,
    );
  }

  private async usableHost(): Promise<HostState> {
    const host = await this.hostState();
    if (!host.report.usable) {
      const missing = host.report.features.filter((f) => f.required && !f.ok);
      throw new WorkcellError(
        'ISOLATION_UNAVAILABLE',
        `This host cannot isolate user code (${missing.map((f) => `${f.name}: ${f.detail}`).join('; ')}); run \`workcell doctor\`.`,
      );
    }
    return host;
  }

  /** A spare serves a spec made from the pool's template, and only that. */
  private fitsPool(spec: CellSpec): boolean {
    const template = this.options.warmPool?.template;
    if (!template) return false;
    const made = (t: CellTemplate) => [t.limits, t.blockedCommands, t.egress];
    return isDeepStrictEqual(made(spec), made(template));
  }

  private async launch(
    host: HostState,
    spec: CellSpec,
    agentExtra: Record<string, string>,
  ): Promise<LocalCell> {
    const { workspaceId, limits } = spec;
    const step = (name: StartStep) => this.options.onStep?.(workspaceId, name);
    await this.removeCrashLeftovers(host, workspaceId);
    step('leftovers');
    const cellDir = join(this.cellsDir, workspaceId);
    await mkdir(cellDir, { recursive: true, mode: 0o711 });
    const hostUid = await this.uids.baseFor(cellDir);
    // Before anything else exists, so that a crash at any later point is swept.
    await this.mark(workspaceId, hostUid);
    const [cgroupResult, volumeResult] = await Promise.allSettled([
      host.cgroups &&
        CellCgroup.create(host.cgroups, workspaceId, limits).finally(() => step('cgroup')),
      WorkspaceVolume.open(
        cellDir,
        hostUid + CELL_USER_UID,
        limits.diskBytes,
        host.loop,
        host.tools,
      ).finally(() => step('volume')),
    ]);
    const cgroup = cgroupResult.status === 'fulfilled' ? cgroupResult.value : undefined;
    const volume = volumeResult.status === 'fulfilled' ? volumeResult.value : undefined;
    const release = async () => {
      await cgroup?.destroy();
      await volume?.close();
      await rm(this.markerFile(workspaceId), { force: true });
    };
    if (cgroupResult.status === 'rejected' || !volume) {
      await release();
      throw cgroupResult.status === 'rejected'
        ? cgroupResult.reason
        : (volumeResult as PromiseRejectedResult).reason;
    }
    let sandbox: Sandbox;
    try {
      const mountVolume = volume.mountCommands();
      sandbox = await this.startSandbox(host, {
        template: spec,
        hostUid,
        cgroup,
        appSource: volume.path,
        mountPoint: mountVolume && sharedMountPointCommand(volume.path, host.tools),
        mountWhileStarting: mountVolume,
        agentExtra,
        step,
      });
    } catch (error) {
      await release();
      throw error;
    }
    return new LocalCell(
      workspaceId,
      sandbox,
      cgroup,
      volume,
      limits,
      this.markerFile(workspaceId),
    );
  }

  /**
   * Starts a sandbox for no workspace yet: its /app is an empty mount point shared with
   * it, its uid block and cgroups its own (named `name`).
   */
  private async launchSpare(host: HostState, name: string, template: CellTemplate): Promise<Spare> {
    const dir = join(this.cellsDir, name);
    await mkdir(dir, { recursive: true, mode: 0o711 });
    const hostUid = await this.uids.baseFor(dir);
    await this.mark(name, hostUid);
    const mountPoint = WorkspaceVolume.mountPoint(dir);
    let cgroup: CellCgroup | undefined;
    try {
      await mkdir(mountPoint, { mode: 0o700 });
      cgroup = host.cgroups && (await CellCgroup.create(host.cgroups, name, template.limits));
      const sandbox = await this.startSandbox(host, {
        template,
        hostUid,
        cgroup,
        appSource: mountPoint,
        mountPoint: sharedMountPointCommand(mountPoint, host.tools),
        agentExtra: agentEnv({ preloadTerminals: true }),
      });
      const spare: Spare = { name, dir, sandbox, cgroup, blank: undefined };
      if (host.loop) {
        const blank = await WorkspaceVolume.open(
          dir,
          hostUid + CELL_USER_UID,
          template.limits.diskBytes,
          true,
          host.tools,
          'once-mounted',
        );
        await mountInSandbox(host.tools, sandbox.process.pid!, blank.mountCommands()!);
        await blank.adopt(appOnHost(sandbox));
        spare.blank = blank;
      }
      return spare;
    } catch (error) {
      await this.removeLeftovers(host, name);
      await this.removeCellDir(name);
      throw error;
    }
  }

  private async discardSpare(host: HostState, spare: Spare): Promise<void> {
    killIfAlive(spare.sandbox.innerPid);
    spare.sandbox.channel.destroy();
    await this.removeLeftovers(host, spare.name);
    await this.removeCellDir(spare.name);
  }

  /**
   * Makes a spare the workspace's cell: the workspace takes the spare's uid block (its uid
   * map cannot change), and its volume is mounted into the spare's /app and given to that
   * block's user before any user code runs. The spare's cgroups and directory stay the
   * cell's until it stops; the workspace's marker names them for a sweep after a crash.
   */
  private async handOver(host: HostState, spare: Spare, spec: CellSpec): Promise<LocalCell> {
    const { workspaceId, limits } = spec;
    const step = (name: StartStep) => this.options.onStep?.(workspaceId, name);
    const cellDir = join(this.cellsDir, workspaceId);
    const marker = this.markerFile(workspaceId);
    let volume: WorkspaceVolume | undefined;
    try {
      await this.removeCrashLeftovers(host, workspaceId);
      step('leftovers');
      await mkdir(cellDir, { recursive: true, mode: 0o711 });
      const hostUid = await this.uids.transfer(spare.dir, cellDir);
      await this.mark(workspaceId, hostUid, spare.name);
      volume = await this.volumeInSpare(host, spare, cellDir, hostUid, limits.diskBytes);
      await volume.adopt(appOnHost(spare.sandbox));
      step('handedOver');
      return new LocalCell(
        workspaceId,
        spare.sandbox,
        spare.cgroup,
        volume,
        limits,
        marker,
        spare.dir,
      );
    } catch (error) {
      await this.discardSpare(host, spare).catch(() => undefined);
      await volume?.close().catch(() => undefined);
      await rm(marker, { force: true });
      throw error;
    }
  }

  /**
   * The workspace's volume, mounted on the spare's /app: the spare's blank one, moved,
   * for a workspace without an image; else its own, over the blank one.
   */
  private async volumeInSpare(
    host: HostState,
    spare: Spare,
    cellDir: string,
    hostUid: number,
    bytes: number,
  ): Promise<WorkspaceVolume> {
    const { blank } = spare;
    if (blank && !(await WorkspaceVolume.hasImage(cellDir))) return blank.moveTo(cellDir);
    const volume = await WorkspaceVolume.open(
      cellDir,
      hostUid + CELL_USER_UID,
      bytes,
      host.loop,
      host.tools,
      'once-mounted',
    );
    // Mounted over the blank one, which stays beneath until the cell's namespace goes: its
    // unmount (an ext4 filesystem, about 4 ms) would be on the start's critical path.
    const mountApp = volume.mountCommands(WorkspaceVolume.mountPoint(spare.dir));
    if (mountApp) await mountInSandbox(host.tools, spare.sandbox.process.pid!, mountApp);
    return volume;
  }

  private async startSandbox(
    host: HostState,
    plan: {
      template: CellTemplate;
      hostUid: number;
      cgroup: CellCgroup | undefined;
      /** What bwrap binds at /app. */
      appSource: string;
      /** Run before bwrap in the cell's mount namespace: a shared mount point for the volume. */
      mountPoint: string[] | undefined;
      /** The volume, mounted on that point while the agent starts. */
      mountWhileStarting?: { mount: string[]; repair: string[] } | undefined;
      agentExtra: Record<string, string>;
      step?: (name: StartStep) => void;
    },
  ): Promise<Sandbox> {
    const { template, cgroup } = plan;
    const [opt, tree] = await Promise.all([
      this.optTree(host),
      this.hostTree(template.blockedCommands),
    ]);
    const userCgroupProcs = cgroup?.procsFiles('user') ?? [];
    const profile = buildProfile(
      {
        tree,
        blockedCommands: template.blockedCommands,
        limits: template.limits,
        shmBytes: this.options.shmBytes ?? 64 * MiB,
        volume: plan.appSource,
        opt: opt.path,
        node: opt.node,
        agentEnv: {
          ...agentEnv({
            channel: FD.channel,
            root: CELL_ROOT,
            userUid: CELL_USER_UID,
            userGid: CELL_USER_UID,
            home: CELL_HOME,
            shellEnv: cellShellEnv(CELL_ROOT, CELL_HOME, template.egress),
            egressProxyPort: template.egress && EGRESS_PROXY_PORT,
            userCgroupFds: userCgroupProcs.map((_, i) => FD.userCgroups + i),
          }),
          ...plan.agentExtra,
        },
        fds: { block: FD.channel, info: FD.info },
      },
      FD.firstData,
    );
    return launchSandbox({
      tools: host.tools,
      hostUid: plan.hostUid,
      cgroupProcs: cgroup?.procsFiles('agent') ?? [],
      userCgroupProcs,
      mountPoint: plan.mountPoint,
      volumeWhileStarting: plan.mountWhileStarting,
      args: profile.args,
      command: this.options.command?.(profile.command) ?? profile.command,
      dataFiles: profile.dataFiles.map((file) => this.runtimeFile(file)),
      sealUserns: host.sealUserns,
      timeoutMs: this.options.startTimeoutMs ?? 30_000,
      step: plan.step,
    });
  }

  async removeVolume(workspaceId: string): Promise<void> {
    if (!WORKSPACE_ID.test(workspaceId)) throw new Error(`invalid workspace id ${workspaceId}`);
    if (this.cells.has(workspaceId)) throw new Error(`the cell of ${workspaceId} is running`);
    const dir = join(this.cellsDir, workspaceId);
    if (!(await access(dir).then(() => true, whenMissing(false)))) return;
    await this.removeLeftovers(await this.hostState(), workspaceId);
    await this.uids.release(dir);
    await rm(dir, { recursive: true, force: true });
  }

  /** The host uid base a workspace's cell runs under, once it has started once. */
  hostUidOf(workspaceId: string): Promise<number | undefined> {
    return this.uids.recordedBase(join(this.cellsDir, workspaceId));
  }

  /**
   * A crash may have left this workspace's cgroup or mount behind, and then its marker
   * too (written before them, removed after them). Without a marker the check is skipped:
   * it reads every loop device and mount of the host, more of them with every idle cell.
   */
  private async removeCrashLeftovers(host: HostState, workspaceId: string): Promise<void> {
    if (await access(this.markerFile(workspaceId)).then(() => true, whenMissing(false))) {
      await this.removeLeftovers(host, workspaceId);
    }
  }

  /**
   * Kills and removes whatever of the cell `name` (a workspace's or a spare's) exists on
   * the host: a workspace handed a spare kills the spare's cgroups and removes its
   * directory too.
   */
  private async removeLeftovers(host: HostState, name: string): Promise<void> {
    const sandbox = await this.markedSandbox(name);
    if (host.cgroups) await CellCgroup.existing(host.cgroups, sandbox).destroy();
    await releaseVolume(join(this.cellsDir, name), host.tools);
    if (sandbox !== name) await this.removeCellDir(sandbox);
    await rm(this.markerFile(name), { force: true });
  }

  /** Removes a spare's or a probe's cell directory, giving its uid block back. */
  private async removeCellDir(name: string): Promise<void> {
    const dir = join(this.cellsDir, name);
    await this.uids.release(dir);
    await rm(dir, { recursive: true, force: true });
  }

  /** Written before a cell's resources exist, removed after they are all released. */
  private async mark(name: string, hostUid: number, sandbox?: string): Promise<void> {
    const marker = { hostUid, sandbox, startedAt: new Date() };
    await writeFile(this.markerFile(name), `${JSON.stringify(marker)}\n`, { mode: 0o600 });
  }

  /** The cell whose cgroups the marked cell `name` runs in: a spare's it was handed, or its own. */
  private async markedSandbox(name: string): Promise<string> {
    const text = await readFile(this.markerFile(name), 'utf8').catch(whenMissing(''));
    try {
      const { sandbox } = JSON.parse(text) as { sandbox?: unknown };
      if (typeof sandbox === 'string' && WarmPool.isSpare(sandbox)) return sandbox;
    } catch {
      // No marker, or one cut short by a crash: the cell's own name.
    }
    return name;
  }

  /** Exists from the start of a cell until all its resources are released. */
  private markerFile(name: string): string {
    return join(this.cellsDir, name, 'cell.json');
  }

  private hostState(): Promise<HostState> {
    this.host ??= this.probeHost();
    return this.host;
  }

  private async probeHost(): Promise<HostState> {
    await mkdir(this.cellsDir, { recursive: true, mode: 0o711 });
    // Traversable, not listable: the unprivileged bwrap must reach the volumes' mount points.
    await chmod(this.cellsDir, 0o711).catch(() => undefined);
    await mkdir(this.runtimeDir, { recursive: true, mode: 0o700 });
    for (const [name, content] of Object.entries(RUNTIME_FILES)) {
      await writeFile(join(this.runtimeDir, name), content, { mode: 0o600 });
    }
    return probeHost({
      cellsDir: this.cellsDir,
      cgroupParent: this.options.cgroupParent ?? 'workcell',
      cgroupVersion: this.options.cgroupVersion,
      tools: this.options.tools,
      cgroupFs: this.options.cgroupFs,
    });
  }

  private runtimeFile(name: RuntimeFile): string {
    return join(this.runtimeDir, name);
  }

  private optTree(host: HostState): Promise<OptTree> {
    this.opt ??= (this.options.agent ?? defaultAgent)()
      .then((sources) => OptTree.mount(this.cellsDir, sources, host.tools))
      .catch((error: unknown) => {
        this.opt = undefined;
        throw error;
      });
    return this.opt;
  }

  private hostTree(blocked: readonly string[]): Promise<HostTree> {
    const key = blocked.join('\0');
    let tree = this.trees.get(key);
    if (!tree) {
      tree = resolveHostTree(blocked);
      this.trees.set(key, tree);
    }
    return tree;
  }
}

/** Where the host reaches a running sandbox's /app: through its pid 1's root. */
function appOnHost(sandbox: Sandbox): string {
  return `/proc/${sandbox.innerPid}/root${CELL_ROOT}`;
}

function assertSpec(spec: CellSpec): void {
  if (!WORKSPACE_ID.test(spec.workspaceId)) {
    throw new Error(`invalid workspace id ${JSON.stringify(spec.workspaceId)}`);
  }
  const invalid = Object.entries(spec.limits).filter(
    ([, value]) => !(Number.isFinite(value) && value > 0),
  );
  if (invalid.length > 0) {
    throw new Error(`cell limits must be positive: ${invalid.map(([name]) => name).join(', ')}`);
  }
}

export class LocalCell implements RunningCell {
  readonly exited: Promise<{ reason: string }>;
  private readonly released: Promise<Error | undefined>;
  private pending: LimitEvent[] = [];
  private stopping = false;
  private diskFull = false;

  constructor(
    readonly workspaceId: string,
    private readonly sandbox: Sandbox,
    private readonly cgroup: CellCgroup | undefined,
    private readonly volume: WorkspaceVolume,
    private readonly limits: CellLimits,
    private readonly marker: string,
    /** The directory of the spare it was handed, removed once the cell has stopped. */
    private readonly spareDir?: string,
  ) {
    const gone = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      sandbox.process.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.released = gone.then(() => this.release());
    this.exited = Promise.all([gone, this.released]).then(([status]) => ({
      reason: this.describe(status),
    }));
  }

  get channel() {
    return this.sandbox.channel;
  }

  /** Handed a spare sandbox of the warm pool, rather than started for its workspace. */
  get fromPool(): boolean {
    return this.spareDir !== undefined;
  }

  /**
   * The cell's /app as the host reaches it while the cell runs: the volume is mounted in
   * the cell's own mount namespace, so its mount point on the host is empty.
   */
  volumePath(): string {
    return appOnHost(this.sandbox);
  }

  async takeLimitEvents(): Promise<LimitEvent[]> {
    const events = this.pending;
    this.pending = [];
    if (this.cgroup) events.push(...(await this.cgroup.takeLimitEvents()));
    const full = await this.volume.full(this.volumePath());
    if (full && !this.diskFull) {
      events.push({
        kind: 'disk',
        message: `disk full: workspace quota ${formatMiB(this.limits.diskBytes)} reached`,
      });
    }
    this.diskFull = full;
    return events;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const { process: monitor, innerPid } = this.sandbox;
    if (monitor.exitCode === null && monitor.signalCode === null) {
      // Killing the sandbox's pid 1 takes its whole pid namespace down; the monitor then
      // reaps it and exits. (Killing the monitor instead would orphan pid 1 as a zombie
      // for the host's init.) Until the monitor exits, pid 1 is its unreaped child, so the
      // pid cannot have been reused.
      killIfAlive(innerPid);
    }
    // Should pid 1 not go, the monitor's death still takes the sandbox down.
    const fallback = setTimeout(() => monitor.kill('SIGKILL'), STOP_GRACE_MS);
    const failure = await this.released.finally(() => clearTimeout(fallback));
    if (failure) throw failure;
  }

  /** The sandbox is this server's child: it cannot be handed to another replica. */
  detach(): Promise<void> {
    return this.stop();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Frees the cgroups and the volume once the sandbox has exited. Never throws. */
  private async release(): Promise<Error | undefined> {
    let failure: Error | undefined;
    const attempt = async (step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        failure ??= error as Error;
      }
    };
    if (this.cgroup) {
      const cgroup = this.cgroup;
      await attempt(async () => this.pending.push(...(await cgroup.takeLimitEvents())));
      await attempt(() => cgroup.destroy());
    }
    await attempt(() => this.volume.close());
    const spareDir = this.spareDir;
    if (spareDir) await attempt(() => rm(spareDir, { recursive: true, force: true }));
    // What could not be released stays marked for the next sweep.
    if (!failure) await attempt(() => rm(this.marker, { force: true }));
    this.sandbox.channel.destroy();
    return failure;
  }

  private describe(status: { code: number | null; signal: NodeJS.Signals | null }): string {
    if (this.stopping) return 'stopped';
    const memory = this.pending.find((e) => e.kind === 'memory');
    // bwrap exits with 128 + the signal that killed the agent.
    const killed = status.signal === 'SIGKILL' || status.code === 137;
    if (killed && memory) return `the agent was ${memory.message}`;
    const how = status.signal
      ? `was killed by ${status.signal}`
      : `exited with code ${status.code}`;
    const tail = this.sandbox.stderrTail().split('\n').slice(-3).join(' | ');
    return `the agent ${how}${tail ? `: ${tail}` : ''}`;
  }
}
