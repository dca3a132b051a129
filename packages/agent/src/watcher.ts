/**
 * Reports changes anywhere under the workspace with one non-recursive fs.watch per folder:
 * recursive watching sets up a watch per file while blocking the loop (notes/sandbox.md
 * §6). Events name a path to look at again; after a quiet moment the watcher lstat()s each
 * one and reports what is there now, so bursts coalesce and races (gone meanwhile) resolve
 * to the current state. New folders get watches and are reported with their contents;
 * removed ones lose their watches.
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';

import { MAX_REFUSED_NAMES, type FileChange } from '@workcell/protocol/agent';

import { log } from './log';
import { childPath, isSkippedName, lstatOrUndefined, type Workspace } from './workspace';

const QUIET_MS = 50;
/** A steady stream of events is still reported this often. */
const MAX_DELAY_MS = 250;
/** More paths than this waiting means the watcher fell behind: ask for a rescan instead. */
const MAX_PENDING = 10_000;
const CHANGES_PER_EVENT = 1000;
/** Refused names reported over a watch's life; user code names them, so it is bounded. */
const MAX_REPORTED_REFUSALS = 1000;

export interface WatchEvents {
  changes(changes: FileChange[]): void;
  /** Names no client may use (childPath refuses them), each reported once per watch. */
  refused(names: string[]): void;
  /** Events were lost: the receiver should rescan (fs.list). */
  overflow(): void;
}

interface FolderWatch {
  watcher: FSWatcher;
  ino: number;
}

export class TreeWatcher {
  private readonly folders = new Map<string, FolderWatch>();
  private pending = new Set<string>();
  private refusedPending = new Set<string>();
  private readonly refusalsReported = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt = 0;
  private lost = false;
  private disposed = false;
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly workspace: Workspace,
    private readonly ignore: ReadonlySet<string>,
    private readonly events: WatchEvents,
  ) {}

  /** Watches every folder of the tree; resolves once all watches are in place. */
  async start(): Promise<void> {
    await this.watchTree('', undefined);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const { watcher } of this.folders.values()) watcher.close();
    this.folders.clear();
  }

  private onEvent(folder: string, name: string | null): void {
    if (this.disposed) return;
    if (name === null) {
      this.lose();
      return;
    }
    if (isSkippedName(name, this.ignore)) return;
    const path = childPath(folder, name);
    if (this.pending.size === 0 && this.refusedPending.size === 0) this.firstPendingAt = Date.now();
    if (path === undefined) {
      this.refuse(folder === '' ? name : `${folder}/${name}`);
      return;
    }
    this.pending.add(path);
    if (this.pending.size > MAX_PENDING) this.lose();
    this.schedule();
  }

  private refuse(name: string): void {
    if (this.refusalsReported.has(name) || this.refusalsReported.size >= MAX_REPORTED_REFUSALS)
      return;
    this.refusalsReported.add(name);
    this.refusedPending.add(name);
    this.schedule();
  }

  /** Events were dropped: resynchronise the watches and tell the server to rescan. */
  private lose(): void {
    this.lost = true;
    this.pending.clear();
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const delay = Math.min(QUIET_MS, Math.max(0, this.firstPendingAt + MAX_DELAY_MS - Date.now()));
    this.timer = setTimeout(() => {
      this.work = this.work
        .then(() => this.process())
        .catch((error: unknown) => log(`watch: ${String(error)}`));
    }, delay);
  }

  private async process(): Promise<void> {
    if (this.disposed) return;
    const paths = [...this.pending].sort();
    this.pending = new Set();
    const refused = [...this.refusedPending];
    this.refusedPending = new Set();
    for (let i = 0; i < refused.length; i += MAX_REFUSED_NAMES) {
      this.events.refused(refused.slice(i, i + MAX_REFUSED_NAMES));
    }
    if (this.lost) {
      this.lost = false;
      // Out of inotify watches, the resync stops part-way; the rescan still helps, and
      // the next failure to watch a new folder asks for another.
      await this.resync().catch(() => undefined);
      this.events.overflow();
      return;
    }
    const changes: FileChange[] = [];
    try {
      for (const path of paths) await this.examine(path, changes);
    } catch {
      this.lose(); // a folder could not be watched or read: its part of the tree is unknown
    }
    for (let i = 0; i < changes.length; i += CHANGES_PER_EVENT) {
      this.events.changes(changes.slice(i, i + CHANGES_PER_EVENT));
    }
  }

  /** Looks at `path` again and records what changed there. */
  private async examine(path: string, changes: FileChange[]): Promise<void> {
    const stats = await lstatOrUndefined(join(this.workspace.root, path));
    const watched = this.folders.get(path);
    const replaced = watched !== undefined && (!stats?.isDirectory() || stats.ino !== watched.ino);
    if (replaced) {
      this.unwatchTree(path);
      changes.push({ path, kind: 'deleted', type: 'folder' });
    }
    if (stats?.isFile()) {
      changes.push({ path, kind: 'changed', type: 'file' });
    } else if (stats?.isDirectory()) {
      changes.push({ path, kind: 'changed', type: 'folder' });
      if (!this.folders.has(path)) await this.watchTree(path, changes);
    } else if (!replaced && (await this.parentExists(path))) {
      // Gone (or now a link, which is not synced). A watched folder that is deleted also
      // reports its own name as a child: its missing parent tells those apart.
      changes.push({ path, kind: 'deleted' });
    }
  }

  private async parentExists(path: string): Promise<boolean> {
    const parent = dirname(path);
    if (parent === '.') return true;
    return (await lstatOrUndefined(join(this.workspace.root, parent)))?.isDirectory() ?? false;
  }

  /**
   * Watches `folder` and, recursively, its subfolders; the watch goes in before the
   * listing so nothing created meanwhile is missed. With `changes`, reports all it finds
   * (a folder that appeared brings its contents along).
   */
  private async watchTree(folder: string, changes: FileChange[] | undefined): Promise<void> {
    if (this.disposed || this.folders.has(folder)) return;
    const abs = join(this.workspace.root, folder);
    const stats = await lstatOrUndefined(abs);
    if (!stats?.isDirectory()) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(abs, { persistent: false }, (_event, name) => this.onEvent(folder, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error; // ENOSPC: out of inotify watches
    }
    watcher.on('error', () => {
      watcher.close();
      if (this.folders.get(folder)?.watcher === watcher) this.folders.delete(folder);
      if (folder === '') this.lose();
      else this.onEvent(dirname(folder) === '.' ? '' : dirname(folder), folder.split('/').pop()!);
    });
    this.folders.set(folder, { watcher, ino: stats.ino });
    // Names already in a folder that appeared (not at the start: its listing reports them).
    const refused: string[] | undefined = changes && [];
    for (const child of await this.workspace.readFolder(folder, this.ignore, 0, refused)) {
      const folderChild = child.stats.isDirectory();
      changes?.push({ path: child.path, kind: 'changed', type: folderChild ? 'folder' : 'file' });
      if (folderChild) await this.watchTree(child.path, changes);
    }
    for (const name of refused ?? []) this.refuse(name);
  }

  private unwatchTree(folder: string): void {
    for (const [path, { watcher }] of this.folders) {
      if (path === folder || path.startsWith(`${folder}/`)) {
        watcher.close();
        this.folders.delete(path);
      }
    }
  }

  /** Adds watches for folders that appeared and drops those of folders that went. */
  private async resync(): Promise<void> {
    for (const [path, { ino }] of this.folders) {
      const stats = await lstatOrUndefined(join(this.workspace.root, path));
      if (!stats?.isDirectory() || stats.ino !== ino) this.unwatchTree(path);
    }
    await this.watchTree('', undefined);
    const walk = async (folder: string): Promise<void> => {
      for (const child of await this.workspace.readFolder(folder, this.ignore)) {
        if (!child.stats.isDirectory()) continue;
        if (this.folders.has(child.path)) await walk(child.path);
        else await this.watchTree(child.path, undefined);
      }
    };
    await walk('');
  }
}
