/**
 * cgroups for local cells, v1 and v2. Layouts differ between hosts: pure v2 (one
 * unified hierarchy), pure v1 (a hierarchy per controller, sometimes co-mounted such as
 * `cpu,cpuacct`) and hybrid (v1 controllers plus an empty unified hierarchy). Each cell
 * gets two cgroups, side by side in every hierarchy that matters (the limiting
 * controllers, the v1 freezer, and the unified hierarchy, whose `cgroup.kill` empties a
 * cell in one write even when it carries no controllers, on hybrid hosts):
 *
 *   <parent>/<name>.agent  the sandbox's own processes (bwrap, the agent), with AGENT_LIMITS
 *   <parent>/<name>        the user's processes, with the cell's limits; only in the
 *                          hierarchies that limit (in the others user processes stay in
 *                          the agent's cgroup, which is enough to kill them all)
 *
 * so a program using its whole CPU quota does not delay its own terminal, and the agent's
 * memory is not taken from the user's.
 */
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { CellLimits, LimitEvent } from '../driver';
import { isErrno, killIfAlive, parseMountinfo, poll, whenMissing } from './host';

export type LimitController = 'memory' | 'cpu' | 'pids';
const LIMIT_CONTROLLERS: readonly LimitController[] = ['memory', 'cpu', 'pids'];
const V1_CONTROLLERS = [...LIMIT_CONTROLLERS, 'freezer'] as const;

/** The file operations cgroup code needs; the real cgroupfs unless a test simulates one. */
export interface CgroupFs {
  read(path: string): Promise<string>;
  write(path: string, data: string): Promise<void>;
  /** Creates the directory; an existing one is fine. */
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Names of the subdirectories. */
  subdirs(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
}

export const cgroupFs: CgroupFs = {
  read: (path) => readFile(path, 'utf8'),
  write: (path, data) => writeFile(path, data),
  mkdir: async (path) => {
    await mkdir(path, { recursive: true });
  },
  rmdir: (path) => rmdir(path),
  subdirs: async (path) =>
    (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name),
  exists: (path) => access(path).then(() => true, whenMissing(false)),
};

export interface Hierarchy {
  mount: string;
  /** v1 controllers this hierarchy carries (of memory, cpu, pids, freezer); empty for v2. */
  controllers: string[];
  unified: boolean;
}

export interface CgroupLayout {
  version: 1 | 2;
  fs: CgroupFs;
  /** The directory name under each hierarchy's root that holds all cells. */
  parent: string;
  /** Every hierarchy a cell joins. */
  hierarchies: Hierarchy[];
  /** Controllers that can limit a cell here. */
  limits: ReadonlySet<LimitController>;
  /** How a cell's processes are all killed at once. */
  kill: 'cgroup.kill' | 'freezer' | 'signal';
}

/** The cgroup hierarchies mounted on this host, from /proc/self/mountinfo. */
export function parseCgroupHierarchies(mountinfo: string): Hierarchy[] {
  const hierarchies: Hierarchy[] = [];
  for (const mount of parseMountinfo(mountinfo)) {
    if (mount.fsType === 'cgroup2') {
      if (!hierarchies.some((h) => h.unified)) {
        hierarchies.push({ mount: mount.mountPoint, controllers: [], unified: true });
      }
    } else if (mount.fsType === 'cgroup') {
      const controllers = mount.superOptions
        .split(',')
        .filter((option) => (V1_CONTROLLERS as readonly string[]).includes(option))
        .filter((c) => !hierarchies.some((h) => h.controllers.includes(c)));
      if (controllers.length > 0) {
        hierarchies.push({ mount: mount.mountPoint, controllers, unified: false });
      }
    }
  }
  return hierarchies;
}

/**
 * Works out how cells get cgroups on this host and creates the parent directory in each
 * hierarchy (on v2 also delegating the controllers to it). Undefined when there are no
 * usable cgroups at all; missing controllers show in `limits`.
 */
export async function prepareCgroups(
  parent: string,
  mountinfo: string,
  fs: CgroupFs = cgroupFs,
): Promise<CgroupLayout | undefined> {
  const found = parseCgroupHierarchies(mountinfo);
  const v1 = found.filter((h) => !h.unified);
  const unified = found.find((h) => h.unified);
  let layout: CgroupLayout | undefined;
  if (v1.some((h) => h.controllers.some((c) => c !== 'freezer'))) {
    const hierarchies = unified ? [...v1, unified] : v1;
    for (const h of hierarchies) await fs.mkdir(join(h.mount, parent));
    const limits = new Set(
      LIMIT_CONTROLLERS.filter((c) => v1.some((h) => h.controllers.includes(c))),
    );
    layout = { version: 1, fs, parent, hierarchies, limits, kill: 'signal' };
    if (v1.some((h) => h.controllers.includes('freezer'))) layout.kill = 'freezer';
  } else if (unified && (await fs.exists(join(unified.mount, 'cgroup.controllers')))) {
    const limits = await delegateControllers(fs, unified.mount, parent);
    layout = { version: 2, fs, parent, hierarchies: [unified], limits, kill: 'signal' };
  }
  if (layout && unified && (await fs.exists(join(unified.mount, parent, 'cgroup.kill')))) {
    layout.kill = 'cgroup.kill';
  }
  return layout;
}

/**
 * Enables the limiting controllers for `<root>/<parent>` and its children. Fails softly:
 * a controller the host keeps to itself (e.g. a container without delegation) is left out
 * and shows as missing.
 */
async function delegateControllers(
  fs: CgroupFs,
  root: string,
  parent: string,
): Promise<Set<LimitController>> {
  const available = words(await fs.read(join(root, 'cgroup.controllers')));
  const wanted = LIMIT_CONTROLLERS.filter((c) => available.includes(c));
  await fs.mkdir(join(root, parent));
  for (const dir of [root, join(root, parent)]) {
    for (const controller of wanted) {
      try {
        await fs.write(join(dir, 'cgroup.subtree_control'), `+${controller}`);
      } catch (error) {
        if (!isErrno(error, 'EBUSY', 'ENOTSUP', 'EOPNOTSUPP', 'EINVAL', 'EACCES', 'EPERM'))
          throw error;
      }
    }
  }
  const delegated = words(await fs.read(join(root, parent, 'cgroup.subtree_control')));
  return new Set(wanted.filter((c) => delegated.includes(c)));
}

const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');

const MiB = 1024 * 1024;

/** The limits a cgroup can enforce. */
export type CgroupLimits = Pick<CellLimits, 'memoryBytes' | 'cpuCores' | 'cpuPeriodUs' | 'pids'>;

/**
 * The agent's cgroup. Out of the user's quota, not unbounded: the agent's work grows with
 * what user code prints and how many terminals it opens. Its idle heap is about 12 MiB;
 * a pid counts each of Node's dozen threads and the launchers of running commands.
 */
export const AGENT_LIMITS: CgroupLimits = {
  memoryBytes: 256 * MiB,
  cpuCores: 1,
  cpuPeriodUs: 100_000,
  pids: 128,
};

/** Which of a cell's two cgroups. */
export type CellPart = 'user' | 'agent';
const PARTS: readonly CellPart[] = ['user', 'agent'];

/** One cell's two cgroups. */
export class CellCgroup {
  private readonly counted = { oom: 0, pids: 0 };
  /** Serialises takeLimitEvents, so that no event is reported twice. */
  private taking: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly layout: CgroupLayout,
    readonly name: string,
    private readonly limits: CellLimits | undefined,
  ) {}

  /** Creates the cell's cgroups and sets their limits. */
  static async create(layout: CgroupLayout, name: string, limits: CellLimits): Promise<CellCgroup> {
    const cgroup = new CellCgroup(layout, name, limits);
    const { fs } = layout;
    try {
      await Promise.all(PARTS.flatMap((part) => cgroup.dirs(part).map((dir) => fs.mkdir(dir))));
      await Promise.all([
        cgroup.write(cgroup.limitWrites('user', limits)),
        cgroup.write(cgroup.limitWrites('agent', AGENT_LIMITS)),
      ]);
    } catch (error) {
      await cgroup.destroy();
      throw error;
    }
    return cgroup;
  }

  private async write(writes: [string, string][]): Promise<void> {
    for (const [file, value] of writes) {
      if (await this.layout.fs.exists(file)) await this.layout.fs.write(file, value);
    }
  }

  /** The cgroup of a cell left behind by another server, to be destroyed. */
  static existing(layout: CgroupLayout, name: string): CellCgroup {
    return new CellCgroup(layout, name, undefined);
  }

  /** The `cgroup.procs` files a process writes its pid to, to join that part of the cell. */
  procsFiles(part: CellPart): string[] {
    return this.dirs(part).map((dir) => join(dir, 'cgroup.procs'));
  }

  /**
   * Limit hits since the last call: OOM kills and refused forks, read from the kernel's
   * counters, so they cover every process in the cell.
   */
  takeLimitEvents(): Promise<LimitEvent[]> {
    const taken = this.taking.then(() => this.readLimitEvents());
    this.taking = taken.catch(() => undefined);
    return taken;
  }

  private async readLimitEvents(): Promise<LimitEvent[]> {
    const events: LimitEvent[] = [];
    const limits = this.limits;
    if (!limits) return events;
    const v2 = this.layout.version === 2;
    const oom = await this.counter(
      'memory',
      v2 ? 'memory.events' : 'memory.oom_control',
      'oom_kill',
    );
    if (oom > this.counted.oom) {
      const n = oom - this.counted.oom;
      const which = n > 1 ? ` (${n} processes)` : '';
      events.push({
        kind: 'memory',
        message: `killed: memory limit ${formatMiB(limits.memoryBytes)}${which}`,
      });
      this.counted.oom = oom;
    }
    const refused = await this.counter('pids', 'pids.events', 'max');
    if (refused > this.counted.pids) {
      events.push({
        kind: 'pids',
        message: `fork refused: process limit ${limits.pids} reached (${refused - this.counted.pids} times)`,
      });
      this.counted.pids = refused;
    }
    return events;
  }

  /** Pids of every process in the cell, the agent's included. */
  async processIds(): Promise<number[]> {
    const pids = new Set<number>();
    for (const file of PARTS.flatMap((part) => this.procsFiles(part))) {
      let text: string;
      try {
        text = await this.layout.fs.read(file);
      } catch (error) {
        // ENODEV: the cgroup is being removed under us; either way it holds nothing.
        if (isErrno(error, 'ENOENT', 'ENODEV')) continue;
        throw error;
      }
      for (const word of words(text)) pids.add(Number(word));
    }
    return [...pids];
  }

  /**
   * Kills every process in the cell, waits until the kernel has let them all go and
   * removes the directories. Idempotent; throws if the cell will not empty.
   */
  async destroy(timeoutMs = 10_000): Promise<void> {
    const { fs } = this.layout;
    const emptied = await poll(async () => {
      const pids = await this.processIds();
      if (pids.length === 0) return true;
      await this.killAll(pids);
      return undefined;
    }, timeoutMs);
    if (!emptied) throw new Error(`cgroup ${this.name} still has processes after ${timeoutMs} ms`);
    for (const dir of PARTS.flatMap((part) => this.dirs(part))) {
      // A v1 cgroup refuses rmdir (EBUSY) for a moment after its last task has gone.
      const removed = await poll(async () => {
        try {
          await fs.rmdir(dir);
          return true;
        } catch (error) {
          if (isErrno(error, 'ENOENT')) return true;
          if (isErrno(error, 'EBUSY')) return undefined;
          throw error;
        }
      }, timeoutMs);
      if (!removed) throw new Error(`cgroup ${dir} could not be removed`);
    }
  }

  private async killAll(pids: number[]): Promise<void> {
    const { fs, kill } = this.layout;
    const unified = this.layout.hierarchies.find((h) => h.unified);
    const freezer = this.layout.hierarchies.find((h) => h.controllers.includes('freezer'));
    if (kill === 'cgroup.kill' && unified) {
      for (const part of this.partsIn(unified)) {
        const file = join(this.dirOf(unified, part), 'cgroup.kill');
        // A cell left by an older server has no agent cgroup.
        if (await fs.exists(file)) await fs.write(file, '1');
      }
      return;
    }
    // Frozen processes cannot fork while their siblings are being killed one by one.
    const states =
      freezer &&
      this.partsIn(freezer).map((part) => join(this.dirOf(freezer, part), 'freezer.state'));
    if (
      kill === 'freezer' &&
      states &&
      (await Promise.all(states.map((f) => fs.exists(f)))).every(Boolean)
    ) {
      for (const state of states) await fs.write(state, 'FROZEN');
      for (const state of states) {
        await poll(
          async () => ((await fs.read(state)).trim() === 'FROZEN' ? true : undefined),
          1000,
        );
      }
      for (const pid of await this.processIds()) killIfAlive(pid);
      for (const state of states) await fs.write(state, 'THAWED');
    } else {
      for (const pid of pids) killIfAlive(pid);
    }
  }

  /** A `key value` line of a controller's file; 0 where the controller or file is absent. */
  private async counter(controller: LimitController, file: string, key: string): Promise<number> {
    const dir = this.controllerDir(controller);
    if (dir === undefined) return 0;
    let text: string;
    try {
      text = await this.layout.fs.read(join(dir, file));
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENODEV')) return 0;
      throw error;
    }
    const line = text.split('\n').find((l) => l.startsWith(`${key} `));
    return line ? Number(line.slice(key.length + 1)) : 0;
  }

  private controllerDir(controller: LimitController): string | undefined {
    if (!this.layout.limits.has(controller)) return undefined;
    const h = this.layout.hierarchies.find((x) =>
      this.layout.version === 2 ? x.unified : x.controllers.includes(controller),
    );
    return h && this.dirOf(h, 'user');
  }

  /** The files and values that set one part's limits. */
  private limitWrites(part: CellPart, limits: CgroupLimits): [string, string][] {
    const writes: [string, string][] = [];
    const quota = Math.max(1000, Math.round(limits.cpuCores * limits.cpuPeriodUs));
    for (const h of this.hierarchiesOf(part)) {
      const dir = this.dirOf(h, part);
      const has = (c: LimitController) =>
        this.layout.limits.has(c) &&
        (h.unified ? this.layout.version === 2 : h.controllers.includes(c));
      if (has('cpu')) {
        writes.push(
          ...(h.unified
            ? [[join(dir, 'cpu.max'), `${quota} ${limits.cpuPeriodUs}`] as [string, string]]
            : // The period first: a quota above the current period would be refused.
              ([
                [join(dir, 'cpu.cfs_period_us'), String(limits.cpuPeriodUs)],
                [join(dir, 'cpu.cfs_quota_us'), String(quota)],
              ] as [string, string][])),
        );
      }
      if (has('memory') && h.unified) {
        writes.push([join(dir, 'memory.max'), String(limits.memoryBytes)]);
        writes.push([join(dir, 'memory.swap.max'), '0']);
      } else if (has('memory')) {
        // memsw (memory + swap) may only be set once memory itself is at or below it.
        writes.push([join(dir, 'memory.limit_in_bytes'), String(limits.memoryBytes)]);
        writes.push([join(dir, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes)]);
      }
      if (has('pids')) writes.push([join(dir, 'pids.max'), String(limits.pids)]);
    }
    return writes;
  }

  private dirs(part: CellPart): string[] {
    return this.hierarchiesOf(part).map((h) => this.dirOf(h, part));
  }

  /** The parts with a cgroup in `h`: the agent's always, the user's where it limits. */
  private partsIn(h: Hierarchy): CellPart[] {
    return PARTS.filter((part) => this.hierarchiesOf(part).includes(h));
  }

  private hierarchiesOf(part: CellPart): Hierarchy[] {
    const { hierarchies, version, limits } = this.layout;
    if (part === 'agent') return hierarchies;
    return hierarchies.filter((h) =>
      h.unified ? version === 2 : h.controllers.some((c) => limits.has(c as LimitController)),
    );
  }

  private dirOf(h: Hierarchy, part: CellPart): string {
    const name = part === 'agent' ? `${this.name}.agent` : this.name;
    return join(h.mount, this.layout.parent, name);
  }
}

export const formatMiB = (bytes: number) => `${Math.round((bytes / MiB) * 10) / 10} MiB`;
