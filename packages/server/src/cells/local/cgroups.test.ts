/**
 * The cgroup layer without a kernel: mountinfo parsing for the three layouts, and the
 * v2 path against a simulated cgroupfs (this host is v1/hybrid, so real v2 limits cannot
 * run here; the real-cell tests exercise v1 and the v2 kill/join path on the unified
 * hierarchy).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  AGENT_LIMITS,
  CellCgroup,
  parseCgroupHierarchies,
  prepareCgroups,
  type CellPart,
  type CgroupFs,
} from './cgroups';
import { defaultCellLimits } from '../limits';
import { waitFor } from './test-support';

const limits = defaultCellLimits();

const line = (id: number, mountPoint: string, fsType: string, superOptions: string) =>
  `${id} 1 0:${id} / ${mountPoint} rw,nosuid,nodev,noexec,relatime shared:${id} - ${fsType} ${fsType} ${superOptions}`;

const HYBRID = [
  line(30, '/sys/fs/cgroup', 'tmpfs', 'rw,mode=755'),
  line(31, '/sys/fs/cgroup/unified', 'cgroup2', 'rw'),
  line(32, '/sys/fs/cgroup/cpu', 'cgroup', 'rw,cpu'),
  line(33, '/sys/fs/cgroup/cpuacct', 'cgroup', 'rw,cpuacct'),
  line(34, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
  line(35, '/sys/fs/cgroup/freezer', 'cgroup', 'rw,freezer'),
  line(36, '/sys/fs/cgroup/pids', 'cgroup', 'rw,pids'),
  line(37, '/sys/fs/cgroup/systemd', 'cgroup', 'rw,xattr,name=systemd'),
].join('\n');

const V2 = [
  line(1, '/', 'ext4', 'rw'),
  line(30, '/sys/fs/cgroup', 'cgroup2', 'rw,nsdelegate'),
].join('\n');

describe('cgroup hierarchies from mountinfo', () => {
  it('finds v1 controllers, co-mounted ones once, and the unified hierarchy', () => {
    const coMounted = [
      line(32, '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'),
      line(34, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
      line(35, '/mnt/other\\040memory', 'cgroup', 'rw,memory'),
    ].join('\n');
    expect(parseCgroupHierarchies(coMounted)).toEqual([
      { mount: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu'], unified: false },
      { mount: '/sys/fs/cgroup/memory', controllers: ['memory'], unified: false },
    ]);
    expect(parseCgroupHierarchies(HYBRID).map((h) => [h.mount, h.controllers, h.unified])).toEqual([
      ['/sys/fs/cgroup/unified', [], true],
      ['/sys/fs/cgroup/cpu', ['cpu'], false],
      ['/sys/fs/cgroup/memory', ['memory'], false],
      ['/sys/fs/cgroup/freezer', ['freezer'], false],
      ['/sys/fs/cgroup/pids', ['pids'], false],
    ]);
    expect(parseCgroupHierarchies(V2)).toEqual([
      { mount: '/sys/fs/cgroup', controllers: [], unified: true },
    ]);
  });
});

/**
 * A cgroup v2 filesystem in memory, with the kernel behaviours the driver relies on:
 * interface files appear with a directory, controllers must be enabled top-down,
 * cgroup.kill empties a cgroup, a populated cgroup cannot be removed, and files cannot be
 * created by writing.
 */
class SimulatedCgroup2 implements CgroupFs {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>();
  readonly procs = new Map<string, Set<number>>();
  refuseDelegation = false;

  constructor(
    readonly root: string,
    controllers: string,
    readonly withKill = true,
  ) {
    this.dirs.add(root);
    this.files.set(join(root, 'cgroup.controllers'), controllers);
    this.files.set(join(root, 'cgroup.subtree_control'), '');
    this.procs.set(root, new Set([1]));
  }

  async read(path: string): Promise<string> {
    const dir = dirname(path);
    if (path.endsWith('/cgroup.procs')) return [...(this.procs.get(dir) ?? [])].join('\n');
    // What a child may enable is whatever its parent enables for its children, right now.
    if (path.endsWith('/cgroup.controllers') && dir !== this.root && this.dirs.has(dir)) {
      return this.files.get(join(dirname(dir), 'cgroup.subtree_control')) ?? '';
    }
    const content = this.files.get(path);
    if (content === undefined) throw errno('ENOENT', path);
    return content;
  }

  async write(path: string, data: string): Promise<void> {
    const dir = dirname(path);
    const name = path.slice(dir.length + 1);
    if (name === 'cgroup.procs') {
      for (const procs of this.procs.values()) procs.delete(Number(data));
      this.procs.get(dir)?.add(Number(data));
      return;
    }
    if (!this.files.has(path) && !(name === 'cgroup.kill' && this.withKill && dir !== this.root)) {
      throw errno('ENOENT', path);
    }
    if (name === 'cgroup.kill') {
      this.procs.set(dir, new Set());
      return;
    }
    if (name === 'cgroup.subtree_control') {
      const controller = data.replace(/^\+/, '');
      if (this.refuseDelegation && dir !== this.root) throw errno('EBUSY', path);
      if (!words(await this.read(join(dir, 'cgroup.controllers'))).includes(controller)) {
        throw errno('ENOENT', path);
      }
      const enabled = new Set([...words(this.files.get(path)), controller]);
      this.files.set(path, [...enabled].join(' '));
      return;
    }
    this.files.set(path, data);
  }

  async mkdir(path: string): Promise<void> {
    if (this.dirs.has(path)) return;
    const parent = dirname(path);
    if (!this.dirs.has(parent)) throw errno('ENOENT', parent);
    this.dirs.add(path);
    this.procs.set(path, new Set());
    const controllers = words(this.files.get(join(parent, 'cgroup.subtree_control')));
    this.files.set(join(path, 'cgroup.subtree_control'), '');
    if (this.withKill) this.files.set(join(path, 'cgroup.kill'), '');
    const defaults: Record<string, Record<string, string>> = {
      memory: {
        'memory.max': 'max',
        'memory.swap.max': 'max',
        'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
      },
      cpu: { 'cpu.max': 'max 100000' },
      pids: { 'pids.max': 'max', 'pids.events': 'max 0\n' },
    };
    for (const controller of controllers) {
      for (const [file, value] of Object.entries(defaults[controller] ?? {}))
        this.files.set(join(path, file), value);
    }
  }

  async rmdir(path: string): Promise<void> {
    if (!this.dirs.has(path)) throw errno('ENOENT', path);
    const busy =
      (this.procs.get(path)?.size ?? 0) > 0 || [...this.dirs].some((d) => dirname(d) === path);
    if (busy) throw errno('EBUSY', path);
    this.dirs.delete(path);
    this.procs.delete(path);
    for (const file of [...this.files.keys()]) if (dirname(file) === path) this.files.delete(file);
  }

  async subdirs(path: string): Promise<string[]> {
    if (!this.dirs.has(path)) throw errno('ENOENT', path);
    return [...this.dirs].filter((d) => dirname(d) === path).map((d) => d.slice(path.length + 1));
  }

  async exists(path: string): Promise<boolean> {
    return this.dirs.has(path) || this.files.has(path);
  }
}

const errno = (code: string, path: string) =>
  Object.assign(new Error(`${code}: ${path}`), { code });

const words = (text: string | undefined) => (text ?? '').split(/\s+/).filter((w) => w !== '');

describe('cgroup v2 (simulated cgroupfs)', () => {
  const root = '/sys/fs/cgroup';

  it('delegates the controllers to the parent and writes the limits', async () => {
    const fs = new SimulatedCgroup2(root, 'cpuset cpu io memory hugetlb pids');
    const layout = await prepareCgroups('workcell', V2, fs);
    expect(layout).toMatchObject({ version: 2, kill: 'cgroup.kill', parent: 'workcell' });
    expect([...(layout?.limits ?? [])].sort()).toEqual(['cpu', 'memory', 'pids']);
    expect(words(fs.files.get(`${root}/workcell/cgroup.subtree_control`)).sort()).toEqual([
      'cpu',
      'memory',
      'pids',
    ]);

    const cgroup = await CellCgroup.create(layout!, 'ws-1', limits);
    const dir = `${root}/workcell/ws-1`;
    expect(fs.files.get(`${dir}/memory.max`)).toBe(String(limits.memoryBytes));
    expect(fs.files.get(`${dir}/memory.swap.max`)).toBe('0');
    expect(fs.files.get(`${dir}/pids.max`)).toBe('256');
    expect(fs.files.get(`${dir}/cpu.max`)).toBe('5000 10000');
    // The agent's cgroup sits beside the user's, out of the user's quota, with its own.
    const agent = `${root}/workcell/ws-1.agent`;
    expect(fs.files.get(`${agent}/cpu.max`)).toBe('100000 100000');
    expect(fs.files.get(`${agent}/memory.max`)).toBe(String(AGENT_LIMITS.memoryBytes));
    expect(fs.files.get(`${agent}/pids.max`)).toBe(String(AGENT_LIMITS.pids));
    expect(cgroup.procsFiles('user')).toEqual([`${dir}/cgroup.procs`]);
    expect(cgroup.procsFiles('agent')).toEqual([`${agent}/cgroup.procs`]);
  });

  it('reports OOM kills and refused forks once each, from memory.events and pids.events', async () => {
    const fs = new SimulatedCgroup2(root, 'cpu memory pids');
    const layout = (await prepareCgroups('workcell', V2, fs))!;
    const cgroup = await CellCgroup.create(layout, 'ws-2', limits);
    const dir = `${root}/workcell/ws-2`;
    expect(await cgroup.takeLimitEvents()).toEqual([]);
    fs.files.set(`${dir}/memory.events`, 'low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n');
    fs.files.set(`${dir}/pids.events`, 'max 12\n');
    expect(await cgroup.takeLimitEvents()).toEqual([
      { kind: 'memory', message: 'killed: memory limit 512 MiB' },
      { kind: 'pids', message: 'fork refused: process limit 256 reached (12 times)' },
    ]);
    expect(await cgroup.takeLimitEvents()).toEqual([]);
    fs.files.set(`${dir}/memory.events`, 'low 0\nhigh 0\nmax 9\noom 3\noom_kill 3\n');
    expect(await cgroup.takeLimitEvents()).toEqual([
      { kind: 'memory', message: 'killed: memory limit 512 MiB (2 processes)' },
    ]);
  });

  it('empties a cell with cgroup.kill and removes it', async () => {
    const fs = new SimulatedCgroup2(root, 'cpu memory pids');
    const layout = (await prepareCgroups('workcell', V2, fs))!;
    const cgroup = await CellCgroup.create(layout, 'ws-3', limits);
    const [user] = cgroup.procsFiles('user');
    const [agent] = cgroup.procsFiles('agent');
    await fs.write(agent!, '4000001');
    await fs.write(user!, '4000002');
    expect((await cgroup.processIds()).sort()).toEqual([4_000_001, 4_000_002]);
    await cgroup.destroy();
    expect(fs.dirs.has(`${root}/workcell/ws-3`)).toBe(false);
    expect(await fs.subdirs(`${root}/workcell`)).toEqual([]);
    await cgroup.destroy();
  });

  it('runs without limits where the controllers are not delegated', async () => {
    const fs = new SimulatedCgroup2(root, 'cpu memory pids');
    fs.refuseDelegation = true;
    const layout = (await prepareCgroups('workcell', V2, fs))!;
    expect(layout.version).toBe(2);
    expect(layout.limits.size).toBe(0);
    const cgroup = await CellCgroup.create(layout, 'ws-4', limits);
    expect(await cgroup.takeLimitEvents()).toEqual([]);
    await cgroup.destroy();
  });

  it('finds no layout without any hierarchy', async () => {
    const fs = new SimulatedCgroup2(root, 'cpu memory pids');
    expect(await prepareCgroups('workcell', line(1, '/', 'ext4', 'rw'), fs)).toBeUndefined();
  });
});

// This host's v1 hierarchies, without the unified one (whose cgroup.kill is preferred) and
// then without the freezer too: the other two ways of emptying a cell, for real.
const hostHasV1 = existsSync('/sys/fs/cgroup/memory/cgroup.procs');
describe.skipIf(!hostHasV1)('cgroup v1 without cgroup.kill (this host)', () => {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const without = (...marks: string[]) =>
    mountinfo.filter((l) => !marks.some((mark) => l.includes(mark))).join('\n');

  it.each([
    ['freezer', without(' - cgroup2 ')],
    ['signal', without(' - cgroup2 ', ',freezer')],
  ] as const)('empties and removes a cell by %s', async (kill, text) => {
    const parent = `workcell-test-cgroups-${process.pid}`;
    const layout = (await prepareCgroups(parent, text))!;
    expect(layout).toMatchObject({ version: 1, kill });
    const cgroup = await CellCgroup.create(layout, kill, limits);
    const joins = (part: CellPart) =>
      cgroup
        .procsFiles(part)
        .map((f) => `echo $$ > ${f}`)
        .join('; ');
    // A few processes that keep forking, so the kill has something to race: the agent's
    // part starts them, and each moves itself into the user's as a cell's processes do.
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        `${joins('agent')}; while :; do sh -c '${joins('user')}; exec sleep 100' & sleep 0.01; done`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('exit', (_, signal) => resolve(signal)));
    await waitFor(async () => (await cgroup.processIds()).length > 4, 'the processes to start');
    await cgroup.destroy();
    expect(await exited).toBe('SIGKILL');
    for (const part of ['user', 'agent'] as const) {
      for (const file of cgroup.procsFiles(part)) expect(existsSync(dirname(file))).toBe(false);
    }
    for (const h of layout.hierarchies) await layout.fs.rmdir(join(h.mount, parent));
  });
});
