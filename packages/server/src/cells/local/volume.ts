/**
 * The workspace volume mounted at /app: a sparse ext4 image per workspace, loop-mounted,
 * so the image's size is the workspace's disk quota (this kernel has no project quotas).
 * The image is kept between starts as a cache of the workspace's files (the database is
 * the truth). Where loop devices are unavailable the volume degrades to a plain directory:
 * the cell still runs, without a disk quota.
 *
 * A running cell's volume is mounted in the cell's own mount namespace, not the host's
 * (launch.ts runs mountCommands() there, on a shared mount point, while the agent starts):
 * every new sandbox copies the mount
 * table it starts from, so host mounts that grew with the number of cells made every start
 * slower, and the mount goes with the cell when its last process does. The host mounts an
 * image only to prepare it (a new image, or files to hand to another uid).
 *
 * Layout under the cells directory (DATA_DIR/cells), traversable but not listable, so
 * the unprivileged bwrap can reach the mount point and nobody else can browse:
 *   <cellsDir>/<workspaceId>/app.ext4    the image (root, 0600)
 *   <cellsDir>/<workspaceId>/app.owner   the host uid the image's root was last given to
 *   <cellsDir>/<workspaceId>/app         its mount point (the filesystem root: user, 0700)
 */
import {
  chmod,
  lchown,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  statfs,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { HostCommandError, isErrno, poll, readMounts, runHost, whenMissing } from './host';
import { CELL_USER_UID, HOST_UID_FIRST_BASE, HOST_UID_STRIDE } from './uids';

const IMAGE_NAME = 'app.ext4';
const OWNER_NAME = 'app.owner';
const MOUNT_NAME = 'app';
/** The type given, so that `mount` does not probe the image for it (3–5 ms of reads). */
const MOUNT_ARGS = ['-t', 'ext4', '-o', 'loop,nosuid,nodev,discard,noinit_itable'];

export interface VolumeTools {
  mkfs: string;
  mount: string;
  umount: string;
  resize2fs: string;
  e2fsck: string;
  losetup: string;
}

export const defaultVolumeTools: VolumeTools = {
  mkfs: '/usr/sbin/mkfs.ext4',
  mount: '/usr/bin/mount',
  umount: '/usr/bin/umount',
  resize2fs: '/usr/sbin/resize2fs',
  e2fsck: '/usr/sbin/e2fsck',
  losetup: '/usr/sbin/losetup',
};

export class WorkspaceVolume {
  private closed = false;

  private constructor(
    /** The mount point on the host, bound at /app. */
    readonly path: string,
    /** The loop image; undefined for a plain directory. */
    private readonly image: string | undefined,
    /** The cell user's host uid; the image's root must be theirs before user code runs. */
    private readonly owner: number,
    /** The image was just made, or last given to another uid: adopt() has work to do. */
    private unadopted: boolean,
    private readonly tools: VolumeTools,
  ) {}

  /** True when the volume has a size limit (loop image), false for a plain directory. */
  get quota(): boolean {
    return this.image !== undefined;
  }

  /** Where the volume of the workspace whose cell directory is `dir` appears on the host. */
  static mountPoint(dir: string): string {
    return join(dir, MOUNT_NAME);
  }

  /** True once the workspace whose cell directory is `dir` has an image. */
  static hasImage(dir: string): Promise<boolean> {
    return stat(join(dir, IMAGE_NAME)).then(() => true, whenMissing(false));
  }

  /**
   * Makes the volume of the workspace whose cell directory is `dir` ready to mount
   * (creating or growing the image if needed), for the cell user's host uid `owner`. An
   * image whose root is not yet the owner's is adopted on the host here, unless `adopt` is
   * `once-mounted`: then the caller mounts it and calls adopt() before user code runs.
   */
  static async open(
    dir: string,
    owner: number,
    bytes: number,
    useLoop: boolean,
    tools: VolumeTools = defaultVolumeTools,
    adopt: 'on-host' | 'once-mounted' = 'on-host',
  ): Promise<WorkspaceVolume> {
    await mkdir(dir, { recursive: true, mode: 0o711 });
    const mountPoint = WorkspaceVolume.mountPoint(dir);
    await mkdir(mountPoint, { recursive: true, mode: 0o700 });
    if (!useLoop) {
      await adoptRoot(mountPoint, owner);
      return new WorkspaceVolume(mountPoint, undefined, owner, false, tools);
    }
    const image = join(dir, IMAGE_NAME);
    const existing = await stat(image).catch(whenMissing(undefined));
    if (!existing) {
      await createImage(image, bytes, owner, tools);
    } else if (existing.size < bytes) {
      // Offline: growing a mounted ext4 needs CAP_SYS_RESOURCE, which root may lack.
      await truncate(image, bytes);
      // Exit 1: errors found and corrected, which resize2fs insists on having checked.
      await runHost(tools.e2fsck, ['-f', '-p', image], { okCodes: [0, 1] });
      await runHost(tools.resize2fs, [image]);
    }
    const recorded = await readFile(join(dir, OWNER_NAME), 'utf8').catch(whenMissing(undefined));
    const volume = new WorkspaceVolume(mountPoint, image, owner, recorded !== String(owner), tools);
    if (adopt === 'on-host' && volume.unadopted) {
      await volume.adoptOnHost(existing !== undefined);
    }
    return volume;
  }

  /**
   * What mounts the volume at `target` (its own mount point unless given) in a cell's mount
   * namespace, and what repairs an image a crash left inconsistent if that fails; undefined
   * when there is nothing to mount (a plain directory bound where it is).
   */
  mountCommands(target = this.path): { mount: string[]; repair: string[] } | undefined {
    if (!this.image) {
      if (target === this.path) return undefined;
      return { mount: [this.tools.mount, '--bind', this.path, target], repair: [] };
    }
    return {
      mount: [this.tools.mount, ...MOUNT_ARGS, this.image, target],
      repair: [this.tools.e2fsck, '-f', '-y', this.image],
    };
  }

  /**
   * Moves the image (mounted or not) and its owner record to the cell directory `dir`,
   * which must have none: a spare's blank volume becoming a new workspace's. A loop device
   * holds the file, not its name, so a mount of it stays. Returns the volume there.
   */
  async moveTo(dir: string): Promise<WorkspaceVolume> {
    if (!this.image || this.unadopted) throw new Error('only an adopted image can move');
    const mountPoint = WorkspaceVolume.mountPoint(dir);
    await mkdir(mountPoint, { recursive: true, mode: 0o700 });
    const image = join(dir, IMAGE_NAME);
    await rename(this.image, image);
    await rename(join(dirname(this.path), OWNER_NAME), join(dir, OWNER_NAME));
    this.closed = true;
    return new WorkspaceVolume(mountPoint, image, this.owner, false, this.tools);
  }

  /**
   * Gives the mounted volume's root, reachable at `root`, to the owner, if open() left
   * that to the caller: lost+found goes and a former owner's files move with it.
   */
  async adopt(root: string): Promise<void> {
    if (!this.unadopted) return;
    // mkfs makes lost+found, which the cell would show as owned by nobody.
    await rmdir(join(root, 'lost+found')).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT', 'ENOTEMPTY')) throw error;
    });
    await adoptRoot(root, this.owner);
    await writeFile(join(dirname(this.path), OWNER_NAME), String(this.owner), { mode: 0o600 });
    this.unadopted = false;
  }

  /**
   * True when the volume is (nearly) full: less than one MiB or 0.5 % left. `root`: where
   * the volume's root is reachable from the host while its cell runs.
   */
  async full(root: string): Promise<boolean> {
    if (!this.quota || this.closed) return false;
    // Gone with the cell's last process: nothing is filling it any more.
    const s = await statfs(root).catch(whenMissing(undefined));
    if (!s) return false;
    const free = s.bavail * s.bsize;
    return free < Math.max(1024 * 1024, s.blocks * s.bsize * 0.005);
  }

  /**
   * Makes sure no mount or loop device holds the image any more (the cell's namespace
   * lets it go with the cell's last process). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.quota) await releaseVolume(dirname(this.path), this.tools);
  }

  /** Mounts the image on the host to adopt it there, then unmounts it. */
  private async adoptOnHost(existing: boolean): Promise<void> {
    const { mount, repair } = this.mountCommands()!;
    const [tool, ...args] = mount;
    await mountRepairingOnce(() => runHost(tool!, args), existing ? repair : []);
    try {
      await this.adopt(this.path);
    } finally {
      await releaseVolume(dirname(this.path), this.tools);
    }
  }
}

/**
 * Runs `mount`; if that fails and there is a `repair` command, runs it once (an image a
 * crash left inconsistent) and mounts again. A failure after that is real.
 */
export async function mountRepairingOnce(
  mount: () => Promise<unknown>,
  repair: readonly string[],
): Promise<void> {
  const [tool, ...args] = repair;
  await mount().catch(async (error: unknown) => {
    if (tool === undefined) throw error;
    await runHost(tool, args).catch(() => undefined);
    await mount();
  });
}

/**
 * The command a sandbox's wrapper runs in the sandbox's outer mount namespace when the volume is
 * mounted later (while the agent starts, or at a spare's hand-over: mountCommands): a small
 * tmpfs on the /app mount point, made shared, so that the volume mounted on it propagates
 * into the sandbox, whose namespace is its slave. A tmpfs rather than the mount point bound
 * onto itself: the cell's mountinfo shows a bind mount's source path, which is the host's.
 * bwrap, as the cell's uids, enters it before the volume covers it: mode 711.
 */
export function sharedMountPointCommand(point: string, tools: VolumeTools): string[] {
  return [
    tools.mount,
    '-t',
    'tmpfs',
    '-o',
    'size=4k,mode=711,nosuid,nodev,noexec',
    '--make-shared',
    'workcell-app',
    point,
  ];
}

async function createImage(image: string, bytes: number, owner: number, tools: VolumeTools) {
  const handle = await open(image, 'w', 0o600);
  try {
    await handle.truncate(bytes);
  } finally {
    await handle.close();
  }
  try {
    // -m 0: no blocks reserved for root; root_owner: the filesystem root is the user's.
    // Lazy inode tables and journal: the image is sparse, so what is never written reads as
    // the zeros mkfs would write. Without them every image took 33 MiB of host disk at once,
    // a thousand workspaces 33 GiB; with them 0.7 MiB (noinit_itable on mount keeps the
    // kernel from zeroing the tables later).
    await runHost(tools.mkfs, [
      '-q',
      '-F',
      '-m',
      '0',
      '-E',
      `root_owner=${owner}:${owner},lazy_itable_init=1,lazy_journal_init=1,nodiscard`,
      image,
    ]);
  } catch (error) {
    await rm(image, { force: true });
    throw error;
  }
}

/**
 * Makes the volume's root belong to the cell user, 0700 so that other host users cannot
 * browse it. A workspace that moved to another uid block takes its files along.
 */
async function adoptRoot(root: string, owner: number): Promise<void> {
  const current = (await stat(root)).uid;
  if (current !== owner && isCellUid(current)) {
    await shiftOwners(root, current - CELL_USER_UID, owner - CELL_USER_UID);
  }
  await lchown(root, owner, owner);
  await chmod(root, 0o700);
}

const isCellUid = (uid: number) => uid >= HOST_UID_FIRST_BASE;

async function shiftOwners(dir: string, fromBase: number, toBase: number): Promise<void> {
  const shift = (id: number) =>
    id >= fromBase && id < fromBase + HOST_UID_STRIDE ? id - fromBase + toBase : id;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const s = await lstat(path);
    await lchown(path, shift(s.uid), shift(s.gid));
    if (entry.isDirectory()) await shiftOwners(path, fromBase, toBase);
  }
}

/**
 * Unmounts the volume of the cell directory `dir` and makes sure no loop device still
 * holds its image. Idempotent.
 */
export async function releaseVolume(dir: string, tools: VolumeTools): Promise<void> {
  await unmount(WorkspaceVolume.mountPoint(dir), tools);
  const image = join(dir, IMAGE_NAME);
  const holding = async () => (await attachedImages(dirname(dir))).filter((a) => a.image === image);
  // `mount -o loop` set the device to clear itself on unmount, which the kernel does a
  // moment later; a device still attached after that (a crash between attach and mount)
  // is detached here.
  await poll(async () => ((await holding()).length === 0 ? true : undefined), 1000);
  for (const { device } of await holding()) {
    await runHost(tools.losetup, ['-d', device]).catch((error: unknown) => {
      if (!(error instanceof HostCommandError && /No such device/i.test(error.stderr))) throw error;
    });
  }
}

/**
 * Unmounts `mountPoint`. The cell's mount namespace may hold the filesystem for a moment
 * after its last process died, so EBUSY is retried before falling back to a lazy unmount
 * (the loop device is then freed when the last reference goes).
 */
export async function unmount(mountPoint: string, tools: VolumeTools): Promise<void> {
  const mounted = async () => (await readMounts()).some((m) => m.mountPoint === mountPoint);
  const done = await poll(async () => {
    if (!(await mounted())) return true;
    try {
      await runHost(tools.umount, [mountPoint]);
    } catch (error) {
      if (!(error instanceof HostCommandError && /busy/i.test(error.stderr))) throw error;
    }
    return undefined;
  }, 2000);
  if (!done && (await mounted())) await runHost(tools.umount, ['--lazy', mountPoint]);
}

/** Workspace ids with a volume mounted under `cellsDir`. */
export async function mountedVolumes(cellsDir: string): Promise<string[]> {
  const prefix = `${cellsDir}/`;
  return (await readMounts())
    .filter((m) => m.mountPoint.startsWith(prefix) && m.mountPoint.endsWith(`/${MOUNT_NAME}`))
    .map((m) => m.mountPoint.slice(prefix.length, -MOUNT_NAME.length - 1))
    .filter((id) => !id.includes('/'));
}

/** Loop devices whose backing file is a workspace image under `cellsDir`. */
export async function attachedImages(
  cellsDir: string,
): Promise<{ device: string; workspaceId: string; image: string }[]> {
  const attached: { device: string; workspaceId: string; image: string }[] = [];
  let devices: string[];
  try {
    devices = (await readdir('/sys/block')).filter((name) => name.startsWith('loop'));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return attached;
    throw error;
  }
  for (const device of devices) {
    let backing: string;
    try {
      backing = (await readFile(`/sys/block/${device}/loop/backing_file`, 'utf8')).trim();
    } catch (error) {
      // ENODEV: the device is being detached (another cell's release) while we read it.
      if (isErrno(error, 'ENOENT', 'ENODEV')) continue;
      throw error;
    }
    const match =
      backing.startsWith(`${cellsDir}/`) && backing.slice(cellsDir.length + 1).split('/');
    if (match && match.length === 2 && match[1] === IMAGE_NAME && match[0]) {
      attached.push({ device: `/dev/${device}`, workspaceId: match[0], image: backing });
    }
  }
  return attached;
}
