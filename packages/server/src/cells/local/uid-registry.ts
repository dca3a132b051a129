/**
 * Which workspace holds which host uid block (uids.ts), for every Workcell server and test
 * run on this host: one claim file per slot in the registry directory, naming the cell
 * directory of the workspace holding it. A workspace keeps its slot (recorded beside its
 * volume, in `<cellDir>/uid-slot`) for as long as its cell directory exists; a claim whose
 * cell directory is gone is stale and its slot is handed out again. Claims are made under
 * a lock directory (mkdir is atomic), so servers with separate databases never share a
 * block.
 */
import { access, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { isErrno, whenMissing } from './host';
import { assertHostUidBaseFree, HOST_UID_SLOTS, hostUidBaseOfSlot, HostUidError } from './uids';

export const DEFAULT_UID_REGISTRY = '/var/lib/workcell/uid-slots';
/** The file in a workspace's cell directory recording its slot. */
export const UID_SLOT_RECORD = 'uid-slot';
/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 10_000;

export class UidRegistry {
  constructor(private readonly dir: string = DEFAULT_UID_REGISTRY) {}

  /**
   * The host uid base of the workspace whose cell directory is `cellDir` (which must
   * exist): its recorded slot while the claim still names it, else a new slot. No account
   * or subordinate range of the host overlaps the block (HostUidError otherwise).
   */
  async baseFor(cellDir: string): Promise<number> {
    const recorded = await this.recorded(cellDir);
    if (recorded !== undefined && (await this.holder(recorded)) === cellDir) {
      // An account or subordinate range may have been added since the block was handed out.
      const base = hostUidBaseOfSlot(recorded);
      await assertHostUidBaseFree(base);
      return base;
    }
    return this.locked(async () => {
      const taken = new Set<number>();
      for (const name of await readdir(this.dir)) {
        const slot = Number(name);
        if (!Number.isSafeInteger(slot)) continue;
        const holder = await this.holder(slot);
        if (holder === cellDir) return this.record(cellDir, slot);
        if (holder !== undefined && (await exists(holder))) taken.add(slot);
        else await rm(join(this.dir, name), { force: true });
      }
      for (let slot = 0; slot < HOST_UID_SLOTS; slot++) {
        if (taken.has(slot)) continue;
        // A block some account or subordinate range overlaps is skipped for good measure.
        const free = await assertHostUidBaseFree(hostUidBaseOfSlot(slot)).then(
          () => true,
          (error: unknown) => {
            if (error instanceof HostUidError) return false;
            throw error;
          },
        );
        if (!free) continue;
        await writeFile(join(this.dir, String(slot)), cellDir, { mode: 0o600 });
        return this.record(cellDir, slot);
      }
      throw new HostUidError('every host uid block is taken');
    });
  }

  /** Gives the slot of `cellDir` back (its workspace is being deleted). */
  async release(cellDir: string): Promise<void> {
    const recorded = await this.recorded(cellDir);
    if (recorded === undefined) return;
    await this.locked(async () => {
      if ((await this.holder(recorded)) === cellDir) {
        await rm(join(this.dir, String(recorded)), { force: true });
      }
    });
    await rm(join(cellDir, UID_SLOT_RECORD), { force: true });
  }

  /**
   * Gives the slot of `from` (a spare sandbox's directory) to `to` (the workspace it is
   * handed to), whose former slot, if any, goes back to the registry: the sandbox's uid map
   * was written with that block and cannot change. Returns the block's base.
   */
  async transfer(from: string, to: string): Promise<number> {
    const slot = await this.recorded(from);
    if (slot === undefined) throw new HostUidError(`${from} holds no uid block`);
    return this.locked(async () => {
      if ((await this.holder(slot)) !== from) {
        throw new HostUidError(`uid block ${slot} is no longer held by ${from}`);
      }
      const previous = await this.recorded(to);
      if (previous !== undefined && previous !== slot && (await this.holder(previous)) === to) {
        await rm(join(this.dir, String(previous)), { force: true });
      }
      await writeFile(join(this.dir, String(slot)), to, { mode: 0o600 });
      const base = await this.record(to, slot);
      await rm(join(from, UID_SLOT_RECORD), { force: true });
      return base;
    });
  }

  private async record(cellDir: string, slot: number): Promise<number> {
    await writeFile(join(cellDir, UID_SLOT_RECORD), `${slot}\n`, { mode: 0o600 });
    return hostUidBaseOfSlot(slot);
  }

  /** The host uid base recorded for `cellDir`, if it has one. */
  async recordedBase(cellDir: string): Promise<number | undefined> {
    const slot = await this.recorded(cellDir);
    return slot === undefined ? undefined : hostUidBaseOfSlot(slot);
  }

  private async recorded(cellDir: string): Promise<number | undefined> {
    const text = await readFile(join(cellDir, UID_SLOT_RECORD), 'utf8').catch(whenMissing(''));
    const slot = Number(text.trim());
    return text.trim() !== '' && Number.isSafeInteger(slot) && slot >= 0 ? slot : undefined;
  }

  private holder(slot: number): Promise<string | undefined> {
    return readFile(join(this.dir, String(slot)), 'utf8').catch(whenMissing(undefined));
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const lock = join(this.dir, '.lock');
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      try {
        await mkdir(lock);
        break;
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw error;
        const since = await stat(lock).then((s) => s.mtimeMs, whenMissing(undefined));
        if (since !== undefined && Date.now() - since > STALE_LOCK_MS) {
          await rm(lock, { recursive: true, force: true });
        } else {
          await sleep(wait);
        }
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

const exists = (path: string) => access(path).then(() => true, whenMissing(false));
