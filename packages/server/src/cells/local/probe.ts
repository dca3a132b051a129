/**
 * What this host offers the local driver, for `probe()`, for refusing to start cells
 * that could not be isolated, and for `workcell doctor`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { IsolationFeature, IsolationReport } from '../driver';
import { prepareCgroups, type CgroupFs, type CgroupLayout } from './cgroups';
import { processAlive, readIfExists, runHost } from './host';
import type { LaunchTools } from './launch';
import { HOST_UID_FIRST_BASE } from './uids';
import { WorkspaceVolume, type VolumeTools } from './volume';

export type LocalTools = LaunchTools & VolumeTools;

export interface HostState {
  report: IsolationReport;
  tools: LocalTools;
  /** Undefined when the host has no usable cgroups. */
  cgroups: CgroupLayout | undefined;
  /** Loop-mounted ext4 images work: /app gets a disk quota. */
  loop: boolean;
  /** Cells can be denied nested user namespaces. */
  sealUserns: boolean;
}

export interface ProbeOptions {
  cellsDir: string;
  cgroupParent: string;
  /** Use only the unified (v2) hierarchy even on a hybrid host. */
  cgroupVersion?: 2;
  tools?: Partial<LocalTools>;
  cgroupFs?: CgroupFs;
}

const TOOL_NAMES: Record<keyof LocalTools, string> = {
  unshare: 'unshare',
  bash: 'bash',
  setpriv: 'setpriv',
  bwrap: 'bwrap',
  nsenter: 'nsenter',
  mkfs: 'mkfs.ext4',
  mount: 'mount',
  umount: 'umount',
  resize2fs: 'resize2fs',
  e2fsck: 'e2fsck',
  losetup: 'losetup',
};

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

const accessible = (path: string, mode = constants.F_OK) =>
  access(path, mode).then(
    () => true,
    () => false,
  );

async function findTool(name: string): Promise<string | undefined> {
  for (const dir of SEARCH_PATH) {
    if (await accessible(join(dir, name), constants.X_OK)) return join(dir, name);
  }
  return undefined;
}

export async function probeHost(options: ProbeOptions): Promise<HostState> {
  const found = {} as Found;
  const tools = {} as LocalTools;
  for (const key of Object.keys(TOOL_NAMES) as (keyof LocalTools)[]) {
    found[key] = options.tools?.[key] ?? (await findTool(TOOL_NAMES[key]));
    // A missing tool keeps its bare name, so an error names it; the features say it is missing.
    tools[key] = found[key] ?? TOOL_NAMES[key];
  }
  const root = process.getuid?.() === 0;

  const [cellsDir, bwrap, userns, cgroups, loop, python] = await Promise.all([
    probeCellsDir(options.cellsDir),
    probeBwrap(found.bwrap),
    probeUserns(found, root),
    probeCgroups(options, root),
    probeLoop(options.cellsDir, tools, found, root),
    probePython(),
  ]);
  const sealUserns = found.nsenter !== undefined;
  const features: IsolationFeature[] = [
    {
      name: 'root',
      ok: root,
      required: true,
      detail: root
        ? 'running as root: can give each cell its own host uids, cgroups and volume'
        : `running as uid ${process.getuid?.()}: the local driver needs root to map each cell to its own host uids`,
    },
    bwrap,
    {
      name: 'setpriv',
      ok: found.setpriv !== undefined && found.bash !== undefined && found.unshare !== undefined,
      required: true,
      detail:
        found.setpriv === undefined || found.unshare === undefined
          ? `${found.setpriv === undefined ? 'setpriv' : 'unshare'} not found (install util-linux)`
          : found.bash === undefined
            ? 'bash not found'
            : `${found.setpriv}: drops to the cell's host uid before bwrap runs`,
    },
    userns,
    cellsDir,
    {
      name: 'nested userns',
      ok: sealUserns,
      required: false,
      detail: sealUserns
        ? 'user code cannot create user namespaces (max_user_namespaces=0 in each cell)'
        : 'nsenter not found (install util-linux): user code can create nested user namespaces',
    },
    ...cgroups.features,
    loop,
    python,
  ];
  return {
    report: { driver: 'local', usable: features.every((f) => f.ok || !f.required), features },
    tools,
    cgroups: cgroups.layout,
    loop: loop.ok,
    sealUserns,
  };
}

type Found = Record<keyof LocalTools, string | undefined>;

/**
 * bwrap runs as the cell's unprivileged uid and must reach the volume's mount point, so
 * every directory above it must let others search it (e.g. not under /root).
 */
async function probeCellsDir(cellsDir: string): Promise<IsolationFeature> {
  const name = 'cells directory';
  const blocking: string[] = [];
  for (let dir = cellsDir; ; dir = dirname(dir)) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) blocking.push(dir);
    if (dir === dirname(dir)) break;
  }
  return blocking.length === 0
    ? {
        name,
        ok: true,
        required: true,
        detail: `${cellsDir}: reachable, not listable, by the cells' uids`,
      }
    : {
        name,
        ok: false,
        required: true,
        detail: `${blocking.join(', ')} not searchable by others: the cells' uids cannot reach ${cellsDir} (chmod o+x, or move DATA_DIR)`,
      };
}

async function probeBwrap(path: string | undefined): Promise<IsolationFeature> {
  const name = 'bubblewrap';
  if (path === undefined) {
    return { name, ok: false, required: true, detail: 'bwrap not found (install bubblewrap)' };
  }
  try {
    const version = (await runHost(path, ['--version'])).trim();
    return { name, ok: true, required: true, detail: `${version} at ${path}` };
  } catch (error) {
    return {
      name,
      ok: false,
      required: true,
      detail: `${path} does not run: ${(error as Error).message}`,
    };
  }
}

/** Reads the sysctls that gate user namespaces, then tries one the way cells will. */
async function probeUserns(tools: Found, root: boolean): Promise<IsolationFeature> {
  const name = 'user namespaces';
  const sysctls = {
    'user.max_user_namespaces': await readIfExists('/proc/sys/user/max_user_namespaces'),
    'kernel.unprivileged_userns_clone': await readIfExists(
      '/proc/sys/kernel/unprivileged_userns_clone',
    ),
    'kernel.apparmor_restrict_unprivileged_userns': await readIfExists(
      '/proc/sys/kernel/apparmor_restrict_unprivileged_userns',
    ),
  };
  const settings = Object.entries(sysctls)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value?.trim()}`)
    .join(', ');
  if (tools.bwrap === undefined)
    return { name, ok: false, required: true, detail: `untested (no bwrap); ${settings}` };
  // As the cells run: an unprivileged uid creating every namespace a cell has.
  const drop =
    root && tools.setpriv !== undefined
      ? [
          tools.setpriv,
          `--reuid=${HOST_UID_FIRST_BASE}`,
          `--regid=${HOST_UID_FIRST_BASE}`,
          '--clear-groups',
        ]
      : [];
  const command = [
    ...drop,
    tools.bwrap,
    '--unshare-all',
    '--unshare-user',
    '--uid',
    '0',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--symlink',
    'usr/lib',
    '/lib',
    '--proc',
    '/proc',
    '--',
    '/usr/bin/true',
  ];
  const result = await runClean(command);
  return result.ok
    ? {
        name,
        ok: true,
        required: true,
        detail: `an unprivileged uid can create a sandbox; ${settings}`,
      }
    : {
        name,
        ok: false,
        required: true,
        detail: `bwrap --unshare-user fails: ${result.stderr || result.status}; ${settings}`,
      };
}

/** Runs a command with no environment and no stdin, capturing stderr. */
function runClean(argv: string[]): Promise<{ ok: boolean; status: string; stderr: string }> {
  return new Promise((resolve) => {
    const [file = '', ...args] = argv;
    const child = spawn(file, args, { env: {}, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', (error) => resolve({ ok: false, status: error.message, stderr: '' }));
    child.on('close', (code, signal) =>
      resolve({
        ok: code === 0,
        status: signal ?? `exit ${code}`,
        stderr: stderr.trim().slice(0, 500),
      }),
    );
  });
}

async function probeCgroups(
  options: ProbeOptions,
  root: boolean,
): Promise<{ layout: CgroupLayout | undefined; features: IsolationFeature[] }> {
  let layout: CgroupLayout | undefined;
  let problem = 'no cgroup hierarchy is mounted';
  try {
    let mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
    if (options.cgroupVersion === 2) {
      mountinfo = mountinfo
        .split('\n')
        .filter((line) => !/ - cgroup /.test(line))
        .join('\n');
    }
    layout = await prepareCgroups(options.cgroupParent, mountinfo, options.cgroupFs);
  } catch (error) {
    problem = root ? `cannot create the cells' cgroups: ${(error as Error).message}` : 'needs root';
  }
  const describe = (controller: 'memory' | 'cpu' | 'pids', what: string): IsolationFeature => ({
    name: `${controller} limit`,
    ok: layout?.limits.has(controller) ?? false,
    required: false,
    detail: layout?.limits.has(controller)
      ? `cgroup v${layout.version} ${controller} controller`
      : `no ${controller} controller ${layout ? `in cgroup v${layout.version}` : `(${problem})`}: ${what}`,
  });
  const kinds =
    layout &&
    {
      'cgroup.kill': 'cgroup.kill empties a cell in one write',
      freezer: 'the v1 freezer stops a cell before its processes are killed',
      signal: 'no freezer or cgroup.kill: processes are killed one by one',
    }[layout.kill];
  const hierarchies = layout?.hierarchies
    .map((h) => (h.unified ? `${h.mount} (unified)` : `${h.mount} (${h.controllers.join(',')})`))
    .join(', ');
  return {
    layout,
    features: [
      {
        name: 'cgroups',
        ok: layout !== undefined,
        required: false,
        detail: layout
          ? `v${layout.version}${layout.version === 1 && layout.hierarchies.some((h) => h.unified) ? ' (hybrid)' : ''}: ${hierarchies}; ${kinds}`
          : `${problem}: cells run without limits, stopped by killing their sandbox`,
      },
      describe('memory', 'a cell can use all host memory'),
      describe('cpu', 'a cell can use every core'),
      describe('pids', 'a fork bomb is not contained'),
    ],
  };
}

const PROBE_PREFIX = '.probe-';

/** A probe volume whose process has died (so it will never unmount it itself). */
export function isAbandonedProbe(name: string): boolean {
  const pid = /^\.probe-(\d+)-/.exec(name)?.[1];
  return pid !== undefined && !processAlive(Number(pid));
}

/** Mounts a small ext4 image, the way volumes are, to prove loop devices work here. */
async function probeLoop(
  cellsDir: string,
  tools: LocalTools,
  found: Found,
  root: boolean,
): Promise<IsolationFeature> {
  const name = 'disk quota';
  const degraded = (why: string) => ({
    name,
    ok: false,
    required: false,
    detail: `${why}: /app is a plain directory without a size limit`,
  });
  if (!root) return degraded('needs root for loop mounts');
  const missing = (['mkfs', 'mount', 'umount'] as const).filter((t) => found[t] === undefined);
  if (missing.length > 0)
    return degraded(`${missing.join(', ')} not found (install e2fsprogs, mount)`);
  const dir = join(cellsDir, `${PROBE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const volume = await WorkspaceVolume.open(
      dir,
      HOST_UID_FIRST_BASE,
      16 * 1024 * 1024,
      true,
      tools,
    );
    await volume.close();
    return { name, ok: true, required: false, detail: 'loop-mounted ext4 image per workspace' };
  } catch (error) {
    return degraded(
      `loop-mounting an ext4 image fails (${(error as Error).message.slice(0, 300)})`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function probePython(): Promise<IsolationFeature> {
  const name = 'python';
  const wanted = {
    '/usr/bin/python3': 'python3',
    '/usr/lib/python3/dist-packages/numpy': 'python3-numpy',
    '/usr/lib/python3/dist-packages/pandas': 'python3-pandas',
    '/usr/lib/python3/dist-packages/scipy': 'python3-scipy',
    '/usr/lib/python3/dist-packages/pip': 'python3-pip',
  };
  const missing: string[] = [];
  for (const [path, pkg] of Object.entries(wanted)) {
    if (!(await accessible(path))) missing.push(pkg);
  }
  return missing.length === 0
    ? {
        name,
        ok: true,
        required: false,
        detail: '/usr/bin/python3 with numpy, pandas, scipy and pip',
      }
    : {
        name,
        ok: false,
        required: false,
        detail: `missing in /usr: ${missing.join(', ')} (scripts/install-system-deps.sh)`,
      };
}
