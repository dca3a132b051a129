/**
 * What a local cell looks like from inside: the bubblewrap options that build its
 * filesystem, namespaces and environment. Measured flags and their reasons are in
 * notes/sandbox.md §2 and §6; in short:
 *
 * - / is bwrap's tmpfs, read-only once built; /usr and the /bin, /lib... links come from
 *   the host read-only; /usr/local is an empty read-only tmpfs except for Workcell's
 *   `python`/`pip` links and the blocked-command stubs;
 * - /etc holds only what programs need, plus a generated passwd, group and hosts;
 * - /tmp, /dev/shm and /home are size-capped tmpfs (their pages count against the cell's
 *   memory limit until the cell dies, so they must be capped);
 * - /app is the workspace volume; /opt (opt-tree.ts) holds the built agent and node-pty
 *   at /opt/agent and the pyright package at /opt/pyright, read-only;
 * - small generated files arrive on inherited descriptors (`--ro-bind-data`, `--file`),
 *   which show in the cell's mountinfo as bwrap's tmpfs, never as a host path.
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { CellLimits } from '../driver';
import { whenMissing } from './host';
import { CELL_USER_UID } from './uids';

export const CELL_HOSTNAME = 'workcell';
export const CELL_ROOT = '/app';
export const CELL_HOME = '/home/user';
export const AGENT_DIR = '/opt/agent';
/** Where the pyright npm package is bound, read-only; run with the agent's Node. */
export const PYRIGHT_DIR = '/opt/pyright';
/** Capabilities the agent keeps as root of the cell's user namespace, where they reach only
 * the cell's two uids: switching to the user, signalling its processes, managing its files,
 * and emptying the capability sets of what it starts as the user (CAP_SETPCAP). */
export const AGENT_CAPS = [
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SETGID',
  'CAP_KILL',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
] as const;

const BLOCKED_STUB = '/usr/local/libexec/workcell-blocked';

/** Generated files, each put into the cell from a descriptor. */
export const RUNTIME_FILES = {
  passwd: `root:x:0:0:root:/root:/bin/bash
user:x:${CELL_USER_UID}:${CELL_USER_UID}:user:${CELL_HOME}:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`,
  group: `root:x:0:
user:x:${CELL_USER_UID}:
nogroup:x:65534:
`,
  hosts: `127.0.0.1\tlocalhost ${CELL_HOSTNAME}
::1\tlocalhost ip6-localhost ip6-loopback
`,
  // Named by how it was invoked, so one stub serves every blocked command.
  blocked: `#!/bin/sh
echo "\${0##*/}: blocked by workspace policy" >&2
exit 126
`,
} as const;
export type RuntimeFile = keyof typeof RUNTIME_FILES;

/** Host files in /etc that programs in the cell need (notes §2), bound when present. */
const ETC_FILES = [
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'python3',
  'python3.11',
  'localtime',
  'timezone',
  'bash.bashrc',
  'profile',
  'profile.d',
  'inputrc',
  'nsswitch.conf',
  'ssl',
  'ca-certificates',
  'terminfo',
  'mime.types',
  'environment',
  'debian_version',
  'os-release',
  'shells',
  'login.defs',
];

/** The merged-/usr links (or, on older hosts, directories) at the root of the host. */
const ROOT_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/** What the host provides that the profile depends on; resolved once per driver. */
export interface HostTree {
  /** Root entries: the target of a symlink (merged /usr), or none for a directory to bind. */
  roots: { name: string; link?: string }[];
  /** Host paths visible in the cell that hold each blocked command, resolved to files. */
  masks: Map<string, string[]>;
  /** `python`/`pip` links to add in /usr/local/bin, where /usr/bin lacks them. */
  links: { name: string; target: string }[];
}

export async function resolveHostTree(blockedCommands: readonly string[]): Promise<HostTree> {
  const roots: HostTree['roots'] = [];
  for (const name of ROOT_DIRS) {
    const path = `/${name}`;
    const stats = await lstat(path).catch(whenMissing(undefined));
    if (stats?.isSymbolicLink()) roots.push({ name, link: await readlink(path) });
    else if (stats?.isDirectory()) roots.push({ name });
  }
  const searchDirs = [
    '/usr/bin',
    '/usr/sbin',
    ...roots.filter((r) => !r.link && r.name.endsWith('bin')).map((r) => `/${r.name}`),
  ];
  const shell = await realpath('/bin/sh');
  const masks = new Map<string, string[]>();
  for (const command of blockedCommands) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(command)) {
      throw new Error(`blocked command "${command}" is not a plain command name`);
    }
    const targets = new Set<string>();
    for (const dir of searchDirs) {
      const found = await realpath(join(dir, command)).catch(whenMissing(undefined));
      if (found === undefined || !(await lstat(found)).isFile()) continue;
      // A stub bound over a symlink would land on its target, so the target is masked
      // (e.g. reboot -> systemctl); it must lie where the cell can see it.
      const visible = found.startsWith('/usr/') || searchDirs.includes(dirname(found));
      if (!visible) continue;
      if (found === shell)
        throw new Error(`blocked command "${command}" is the shell the stub needs`);
      targets.add(found);
    }
    masks.set(command, [...targets]);
  }
  const links: HostTree['links'] = [];
  for (const [name, target] of [
    ['python', '/usr/bin/python3'],
    ['pip', '/usr/bin/pip3'],
  ] as const) {
    const missing = (await lstat(`/usr/bin/${name}`).catch(whenMissing(undefined))) === undefined;
    if (missing && (await lstat(target).catch(whenMissing(undefined))))
      links.push({ name, target });
  }
  return { roots, masks, links };
}

export interface ProfileInput {
  tree: HostTree;
  blockedCommands: readonly string[];
  limits: CellLimits;
  shmBytes: number;
  /** Host directory bound at /app. */
  volume: string;
  /** The host directory bound at /opt (opt-tree.ts). */
  opt: string;
  /** The Node binary that runs the agent, as the host has it. */
  node: string;
  /** Environment of the agent (its settings). */
  agentEnv: Record<string, string>;
  /** Descriptors: the user namespace block (also the agent channel) and the info pipe. */
  fds: { block: number; info: number };
}

export interface Profile {
  /** bwrap options, for `--args`. */
  args: string[];
  /** The command bwrap runs: stays on the real argv (bwrap refuses it inside --args). */
  command: string[];
  /** Runtime files to pass, in order, as the descriptors the options name. */
  dataFiles: RuntimeFile[];
}

export function buildProfile(input: ProfileInput, firstDataFd: number): Profile {
  const { tree, limits } = input;
  const args: string[] = [];
  const dataFiles: RuntimeFile[] = [];
  const data = (file: RuntimeFile) => String(firstDataFd + dataFiles.push(file) - 1);
  const add = (...more: string[]) => args.push(...more);

  add('--unshare-user', '--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts');
  add('--unshare-cgroup', '--hostname', CELL_HOSTNAME, '--die-with-parent');
  // Root of the cell's user namespace is the agent; the host writes the uid map
  // (0 -> base, 1000 -> base+1000) while bwrap waits on the block descriptor.
  add('--uid', '0', '--gid', '0');
  add('--userns-block-fd', String(input.fds.block), '--info-fd', String(input.fds.info));
  for (const cap of AGENT_CAPS) add('--cap-add', cap);

  add('--ro-bind', '/usr', '/usr');
  add('--size', String(1024 * 1024), '--tmpfs', '/usr/local', '--dir', '/usr/local/bin');
  add('--perms', '0755', '--file', data('blocked'), BLOCKED_STUB);
  for (const command of input.blockedCommands) {
    add('--symlink', BLOCKED_STUB, `/usr/local/bin/${command}`);
  }
  for (const { name, target } of tree.links) {
    if (!input.blockedCommands.includes(name)) add('--symlink', target, `/usr/local/bin/${name}`);
  }
  add('--remount-ro', '/usr/local');
  const masked = new Set(input.blockedCommands.flatMap((c) => tree.masks.get(c) ?? []));
  for (const path of masked) add('--perms', '0755', '--ro-bind-data', data('blocked'), path);
  for (const { name, link } of tree.roots) {
    if (link === undefined) add('--ro-bind', `/${name}`, `/${name}`);
    else add('--symlink', link, `/${name}`);
  }

  add('--dir', '/etc');
  for (const name of ETC_FILES) add('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  for (const name of ['passwd', 'group', 'hosts'] as const) {
    add('--perms', '0644', '--ro-bind-data', data(name), `/etc/${name}`);
  }
  add('--symlink', '../proc/self/mounts', '/etc/mtab');

  add('--proc', '/proc', '--dev', '/dev');
  add('--size', String(input.shmBytes), '--perms', '1777', '--tmpfs', '/dev/shm');
  add('--size', String(limits.tmpBytes), '--perms', '1777', '--tmpfs', '/tmp');
  add('--dir', '/var', '--symlink', '../tmp', '/var/tmp');
  // The agent creates the user's home inside (owned by the user).
  add('--size', String(limits.homeBytes), '--perms', '0755', '--tmpfs', dirname(CELL_HOME));

  // The language server runs as the cell user with the agent's Node, so /opt is readable
  // by all; nothing in it is secret (Workcell's own code and public packages).
  add('--ro-bind', input.opt, '/opt');
  add('--bind', input.volume, CELL_ROOT, '--chdir', CELL_ROOT);
  add('--remount-ro', '/');

  add('--clearenv');
  const env = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', ...input.agentEnv };
  for (const [name, value] of Object.entries(env)) add('--setenv', name, value);

  return { args, command: [cellNode(input.node), `${AGENT_DIR}/dist/main.cjs`], dataFiles };
}

/** Where the cell finds the agent's Node: the host's own under /usr, or opt-tree's copy. */
export function cellNode(hostNode: string): string {
  return hostNode.startsWith('/usr/') ? hostNode : `${AGENT_DIR}/node`;
}
