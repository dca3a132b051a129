/**
 * The /opt every cell of a driver shares: the agent, node-pty and pyright, copied into a
 * tmpfs mounted on the host and bound read-only at /opt in each cell. A bind of a host
 * folder shows that folder's path in the cell's /proc/self/mountinfo (the mount's root
 * within its filesystem), which told user code where the server's checkout lives; the
 * root of a filesystem of its own shows as `/`. The copy is made once per driver, when
 * its first cell starts, and holds only what runs in a cell (no source maps, no
 * native-module sources): about 35 MiB, most of it pyright's typeshed stubs.
 *
 *   <cellsDir>/.opt-<id>                 the tmpfs (root, 0755, read-only once filled)
 *   <cellsDir>/.opt-<id>/agent/dist      the agent bundle
 *   <cellsDir>/.opt-<id>/agent/node_modules/node-pty
 *   <cellsDir>/.opt-<id>/agent/node      the agent's Node, when the host's is not under /usr
 *   <cellsDir>/.opt-<id>/pyright         the pyright package
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

import { readMounts, runHost, whenMissing } from './host';
import { cellNode } from './profile';
import { unmount, type VolumeTools } from './volume';

/** The trees of this process's drivers; any other under a cells directory is left over. */
const live = new Set<string>();
const PREFIX = '.opt-';

/** What a cell runs, as host paths to copy from. */
export interface OptSources {
  /** The built agent's folder, whose entry point is main.cjs. */
  dist: string;
  /** A node_modules folder holding node-pty. */
  nodeModules: string;
  /** The Node binary; copied only when the cell cannot see it under /usr. */
  node: string;
  /** The pyright package, when there is one. */
  pyright?: string;
}

/** Ample for the copy; a tmpfs takes memory only for what is written. */
const TMPFS_SIZE = '512m';

export class OptTree {
  private constructor(
    /** The host directory to bind at /opt. */
    readonly path: string,
    /** The host's Node binary, which runs the agent (profile.ts's cellNode). */
    readonly node: string,
    private readonly tools: VolumeTools,
  ) {}

  /** Mounts and fills a tree of its own under `cellsDir`. */
  static async mount(cellsDir: string, sources: OptSources, tools: VolumeTools): Promise<OptTree> {
    const path = join(cellsDir, `${PREFIX}${randomBytes(6).toString('hex')}`);
    const tree = new OptTree(path, sources.node, tools);
    live.add(path);
    try {
      await mkdir(path, { mode: 0o755 });
      await runHost(tools.mount, [
        '-t',
        'tmpfs',
        '-o',
        `mode=0755,size=${TMPFS_SIZE}`,
        'workcell-opt',
        path,
      ]);
      await fill(path, sources);
      await runHost(tools.mount, ['-o', 'remount,ro', path]);
    } catch (error) {
      await tree.close();
      throw error;
    }
    return tree;
  }

  /** Removes the trees under `cellsDir` that no driver of this process holds (a crash's). */
  static async sweep(cellsDir: string, tools: VolumeTools): Promise<void> {
    const names = (await readdir(cellsDir)).filter((name) => name.startsWith(PREFIX));
    for (const path of names.map((name) => join(cellsDir, name))) {
      if (!live.has(path)) await removeTree(path, tools);
    }
  }

  /** Unmounts the tree; cells already running keep their own reference to it. Idempotent. */
  async close(): Promise<void> {
    await removeTree(this.path, this.tools);
    live.delete(this.path);
  }
}

async function removeTree(path: string, tools: VolumeTools): Promise<void> {
  if ((await readMounts()).some((m) => m.mountPoint === path)) await unmount(path, tools);
  await rmdir(path).catch(whenMissing(undefined));
}

/**
 * Copies with cp(1), one process instead of thousands of file operations (140 ms, not 2 s);
 * of node-pty only what it loads at run time, its JavaScript and its built addon.
 */
async function fill(root: string, sources: OptSources): Promise<void> {
  const copy = (...args: string[]) => runHost('/usr/bin/cp', ['-R', ...args]);
  const agent = join(root, 'agent');
  const pty = join(agent, 'node_modules', 'node-pty');
  await mkdir(join(pty, 'build'), { recursive: true });
  await copy(sources.dist, join(agent, 'dist'));
  const ptySource = join(sources.nodeModules, 'node-pty');
  await copy(join(ptySource, 'package.json'), join(ptySource, 'lib'), pty);
  await copy(join(ptySource, 'build', 'Release'), join(pty, 'build'));
  if (cellNode(sources.node) !== sources.node) await copy(sources.node, join(agent, 'node'));
  if (sources.pyright) {
    await copy(sources.pyright, join(root, 'pyright'));
    await runHost('/usr/bin/find', [join(root, 'pyright'), '-name', '*.map', '-delete']);
  }
  // Everything is Workcell's own code or a public package, read by the cell's user too.
  await runHost('/usr/bin/chmod', ['-R', 'a+rX,go-w', root]);
}
