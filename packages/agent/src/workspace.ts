/**
 * File operations on the workspace root. Every path goes through the protocol's normaliser
 * and must stay under the root without passing through a symbolic link: the cell is
 * isolated already, but the agent only ever touches the workspace the server syncs (which
 * has no links), so a link planted by user code cannot redirect a write or a delete.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  lstatSync,
  openSync,
  renameSync,
  type Stats,
} from 'node:fs';
import { chown, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';

import { MAX_FRAME_HEADER_BYTES, type ListedEntry } from '@workcell/protocol/agent';
import { isWithin, normaliseWorkspacePath, parentPaths } from '@workcell/protocol/paths';
import { MAX_REFUSED_NAMES } from '@workcell/protocol/agent';

import { AgentFailure } from './failure';
import { readAt, writeAll } from './file-io';

export const MAX_LIST_ENTRIES = 100_000;
/** Room left in a reply header for everything but the entries. */
const LIST_HEADER_BUDGET = MAX_FRAME_HEADER_BYTES - 64 * 1024;

const HASH_CHUNK_BYTES = 64 * 1024;
/** Files a listing hashes between turns of the event loop: at most 8 MiB read in one go. */
const HASHES_PER_TURN = 32;

const TEMP_NAME = /^\.workcell-[0-9a-f]{16}\.tmp$/;
/**
 * A link swapped in after the lstat fails instead of being followed; a FIFO swapped in
 * does not block the agent.
 */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Names the agent never lists or reports: the `ignore` names (caches, environments) and
 * its own temporary files, which exist only for the instant of an atomic write.
 */
export function isSkippedName(name: string, ignore: ReadonlySet<string>): boolean {
  return ignore.has(name) || TEMP_NAME.test(name);
}

/** The workspace path of `name` in folder `parent`, or undefined if no client could name it. */
export function childPath(parent: string, name: string): string | undefined {
  const path = parent === '' ? name : `${parent}/${name}`;
  const normalised = normaliseWorkspacePath(path);
  return normalised.ok && normalised.path === path ? path : undefined;
}

export async function lstatOrUndefined(abs: string): Promise<Stats | undefined> {
  try {
    return await lstat(abs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

interface Child {
  path: string;
  stats: Stats;
  /** Levels below where a listing started. */
  depth: number;
}

export class Workspace {
  /**
   * @param owner who should own what the agent creates; set when the agent runs as root
   *   and user code as someone else, so the user can change its own files.
   */
  constructor(
    readonly root: string,
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {}

  /** The normalised workspace path and its absolute location. */
  resolve(input: string): { path: string; abs: string } {
    const normalised = normaliseWorkspacePath(input);
    if (!normalised.ok) throw new AgentFailure('INVALID_PATH', `${input}: ${normalised.reason}`);
    return { path: normalised.path, abs: join(this.root, normalised.path) };
  }

  async read(input: string, maxBytes: number): Promise<Buffer> {
    const { path, abs } = this.resolve(input);
    await this.checkParents(path, false);
    const stats = this.lstatExisting(path, abs);
    if (stats.isDirectory()) throw new AgentFailure('IS_A_FOLDER', `${path} is a folder`);
    if (!stats.isFile()) throw new AgentFailure('INVALID_PATH', `${path} is not a regular file`);
    if (stats.size > maxBytes) throw tooLarge(path, maxBytes);
    const fd = openSync(abs, READ_FLAGS);
    try {
      const buffer = Buffer.allocUnsafe(maxBytes + 1);
      let length = 0;
      for (;;) {
        const bytesRead = await readAt(fd, buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > maxBytes) throw tooLarge(path, maxBytes);
      }
      return buffer.subarray(0, length);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Replaces the file atomically (temp file + rename), keeping an existing file's mode. Its
   * system calls are synchronous (file-io.ts): a save reaches the cell through here.
   */
  async write(input: string, content: Buffer, expectSha256?: string | null): Promise<number> {
    const { path, abs } = this.resolve(input);
    await this.checkParents(path, true);
    const existing = lstatSync(abs, { throwIfNoEntry: false });
    await this.checkExpected(path, existing, expectSha256);
    if (existing?.isDirectory()) throw new AgentFailure('IS_A_FOLDER', `${path} is a folder`);
    const mode = existing?.isFile() ? existing.mode & 0o7777 : 0o644;
    const temp = join(abs, '..', `.workcell-${randomBytes(8).toString('hex')}.tmp`);
    try {
      const flags =
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
      const fd = openSync(temp, flags, mode);
      try {
        await writeAll(fd, content);
        fchmodSync(fd, mode); // the umask applied at creation
        if (this.owner) fchownSync(fd, this.owner.uid, this.owner.gid);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, abs);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return content.length;
  }

  /** Deletes a file, or a folder with everything in it. */
  async delete(input: string, expectSha256?: string | null): Promise<void> {
    const { path, abs } = this.resolve(input);
    await this.checkParents(path, false);
    await this.checkExpected(path, this.lstatExisting(path, abs), expectSha256);
    await rm(abs, { recursive: true });
  }

  /** The absolute location of an existing folder (a working directory). */
  async folder(input: string): Promise<string> {
    const { path, abs } = this.resolve(input);
    await this.checkParents(path, false);
    checkFolder(path, this.lstatExisting(path, abs));
    return abs;
  }

  /** Creates the folder and its parents; an existing folder is fine. */
  async mkdir(input: string): Promise<void> {
    const { path } = this.resolve(input);
    await this.ensureFolders([...parentPaths(path), path]);
  }

  async move(fromInput: string, toInput: string): Promise<void> {
    const from = this.resolve(fromInput);
    const to = this.resolve(toInput);
    if (isWithin(to.path, from.path)) {
      throw new AgentFailure('VALIDATION_FAILED', `cannot move ${from.path} into itself`);
    }
    await this.checkParents(from.path, false);
    this.lstatExisting(from.path, from.abs);
    await this.checkParents(to.path, true);
    if (await lstatOrUndefined(to.abs)) {
      throw new AgentFailure('ALREADY_EXISTS', `${to.path} already exists`);
    }
    await rename(from.abs, to.abs);
  }

  /**
   * Lists `input` and what lies under it down to `depth` levels (or the whole workspace),
   * depth first in name order, skipping `ignore` names and symbolic links; a missing path
   * lists nothing. Stops at MAX_LIST_ENTRIES or when the reply header would outgrow the
   * frame limit.
   */
  async list(
    input: string | undefined,
    ignore: ReadonlySet<string>,
    options: { depth?: number; hash?: boolean } = {},
  ): Promise<{ entries: ListedEntry[]; truncated: boolean; refused: string[] }> {
    const maxDepth = options.depth ?? Infinity;
    const entries: ListedEntry[] = [];
    const refused: string[] = [];
    let budget = LIST_HEADER_BUDGET;
    const stack: Child[] = [];
    let hashed = 0;
    const push = (children: Child[]) => stack.push(...children.reverse());
    if (input === undefined) {
      if (maxDepth > 0) push(await this.readFolder('', ignore, 1, refused));
    } else {
      const start = await this.listStart(input);
      if (start) push([start]);
    }
    for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
      const entry = toEntry(item.path, item.stats);
      if (options.hash && item.stats.isFile()) {
        // A small file's hash takes no turn of the event loop (file-io.ts); the terminals get one.
        if (++hashed % HASHES_PER_TURN === 0) await setImmediate();
        const sha256 = await this.hash(item.path).catch(() => undefined);
        if (sha256 === undefined) continue; // gone or replaced meanwhile
        entry.sha256 = sha256;
      }
      budget -= Buffer.byteLength(JSON.stringify(entry)) + 1;
      if (budget < 0 || entries.length >= MAX_LIST_ENTRIES)
        return { entries, truncated: true, refused };
      entries.push(entry);
      if (item.stats.isDirectory() && item.depth < maxDepth) {
        push(await this.readFolder(item.path, ignore, item.depth + 1, refused));
      }
    }
    return { entries, truncated: false, refused };
  }

  /** The sha256 of a file's content (hex), read without following a link. */
  async hash(path: string): Promise<string> {
    const fd = openSync(join(this.root, path), READ_FLAGS);
    try {
      const hash = createHash('sha256');
      const buffer = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
      for (let position = 0; ;) {
        const bytesRead = await readAt(fd, buffer, 0, buffer.length, position);
        if (bytesRead === 0) return hash.digest('hex');
        hash.update(buffer.subarray(0, bytesRead));
        position += bytesRead;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The entry a listing of `input` starts from, if there is one. */
  private async listStart(input: string): Promise<Child | undefined> {
    const { path, abs } = this.resolve(input);
    try {
      await this.checkParents(path, false);
    } catch (error) {
      if (error instanceof AgentFailure && error.code !== 'INVALID_PATH') return undefined;
      throw error;
    }
    const stats = await lstatOrUndefined(abs);
    if (stats?.isSymbolicLink())
      throw new AgentFailure('INVALID_PATH', `${path} is a symbolic link`);
    return stats && (stats.isFile() || stats.isDirectory()) ? { path, stats, depth: 0 } : undefined;
  }

  /**
   * Fails with VERSION_CONFLICT unless the path holds what the caller expects: a file
   * with that hash, or (null) no file. `stats` are the path's (undefined: nothing there).
   */
  private async checkExpected(
    path: string,
    stats: Stats | undefined,
    expected: string | null | undefined,
  ): Promise<void> {
    if (expected === undefined) return;
    const actual = stats?.isFile() ? await this.hash(path).catch(() => null) : null;
    if (actual !== expected) {
      throw new AgentFailure(
        'VERSION_CONFLICT',
        `${path} changed in the cell since it was last synced`,
      );
    }
  }

  /**
   * The listable children of a folder with their stats; a folder that vanished meanwhile
   * has none (user code changes the tree while the agent walks it).
   */
  async readFolder(
    folder: string,
    ignore: ReadonlySet<string>,
    depth = 0,
    refused?: string[],
  ): Promise<Child[]> {
    let names: string[];
    try {
      names = await readdir(join(this.root, folder));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw error;
    }
    const children = await Promise.all(
      names.sort().map(async (name) => {
        if (isSkippedName(name, ignore)) return undefined;
        const path = childPath(folder, name);
        // Reported, so the user learns why it is not synced; bounded, as user code names them.
        if (path === undefined && refused && refused.length < MAX_REFUSED_NAMES)
          refused.push(folder === '' ? name : `${folder}/${name}`);
        const stats =
          path === undefined ? undefined : await lstatOrUndefined(join(this.root, path));
        return path !== undefined && stats && (stats.isFile() || stats.isDirectory())
          ? { path, stats, depth }
          : undefined;
      }),
    );
    return children.filter((child) => child !== undefined);
  }

  /** Creates the given folders in order (outermost first), owned by the user. */
  private async ensureFolders(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      const abs = join(this.root, path);
      const stats = lstatSync(abs, { throwIfNoEntry: false });
      if (stats) {
        checkFolder(path, stats);
        continue;
      }
      try {
        await mkdir(abs, 0o755);
        if (this.owner) await chown(abs, this.owner.uid, this.owner.gid);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        checkFolder(path, await lstat(abs)); // created by someone else meanwhile
      }
    }
  }

  /**
   * Checks that every parent of `path` is a real folder; missing ones are created when
   * `create` is set, otherwise they make the path not found. Its lstat calls, as
   * lstatExisting's, are synchronous: a few per path, each cheaper than a round trip to
   * libuv's thread pool (file-io.ts).
   */
  private async checkParents(path: string, create: boolean): Promise<void> {
    const parents = parentPaths(path);
    if (create) return this.ensureFolders(parents);
    for (const parent of parents) {
      const stats = lstatSync(join(this.root, parent), { throwIfNoEntry: false });
      if (!stats) throw new AgentFailure('FILE_NOT_FOUND', `${path}: no such file or folder`);
      checkFolder(parent, stats);
    }
  }

  private lstatExisting(path: string, abs: string): Stats {
    const stats = lstatSync(abs, { throwIfNoEntry: false });
    if (!stats) throw new AgentFailure('FILE_NOT_FOUND', `${path}: no such file or folder`);
    return stats;
  }
}

function checkFolder(path: string, stats: Stats): void {
  if (stats.isSymbolicLink()) {
    throw new AgentFailure(
      'INVALID_PATH',
      `${path} is a symbolic link; the agent does not follow links`,
    );
  }
  if (!stats.isDirectory())
    throw new AgentFailure('NOT_A_FOLDER', `${path} is a file, not a folder`);
}

function tooLarge(path: string, maxBytes: number): AgentFailure {
  return new AgentFailure('FILE_TOO_LARGE', `${path} is larger than ${maxBytes} bytes`);
}

function toEntry(path: string, stats: Stats): ListedEntry {
  const folder = stats.isDirectory();
  return {
    path,
    type: folder ? 'folder' : 'file',
    size: folder ? 0 : stats.size,
    mtimeMs: stats.mtimeMs,
  };
}
