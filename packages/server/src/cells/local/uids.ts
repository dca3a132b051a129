/**
 * Host uids for local cells. Each cell gets a block of HOST_UID_STRIDE host uids starting
 * at its base: the agent runs as the base (uid 0 inside the cell) and user code as
 * base + CELL_USER_UID (uid 1000 inside). Two uids in different blocks never meet, so
 * one workspace's code cannot signal, trace or read another's processes or files.
 *
 * Blocks start at 200000: above regular users (1000-60000), systemd's dynamic users
 * (61184-65519) and the customary first subordinate range (100000-165535). Subordinate
 * ranges can be anywhere, though, so a base is only handed out after checking that its
 * whole block is free in /etc/passwd, /etc/group, /etc/subuid and /etc/subgid.
 */
import { readFile } from 'node:fs/promises';

export const HOST_UID_FIRST_BASE = 200_000;
export const HOST_UID_STRIDE = 2_000;
/** The uid (and gid) of user code inside a cell. */
export const CELL_USER_UID = 1000;
/** Keeps every block below 2^31, where some tools start to misbehave with uids. */
export const HOST_UID_SLOTS = Math.floor((0x7fff_ffff - HOST_UID_FIRST_BASE) / HOST_UID_STRIDE);

export interface IdFiles {
  passwd: string;
  group: string;
  subuid: string;
  subgid: string;
}

const SYSTEM_ID_FILES: IdFiles = {
  passwd: '/etc/passwd',
  group: '/etc/group',
  subuid: '/etc/subuid',
  subgid: '/etc/subgid',
};

export class HostUidError extends Error {}

/** The base of slot `slot`'s block; the slot is what uid-registry.ts hands out and records. */
export function hostUidBaseOfSlot(slot: number): number {
  if (!Number.isSafeInteger(slot) || slot < 0 || slot >= HOST_UID_SLOTS) {
    throw new HostUidError(`uid slot ${slot} is outside 0..${HOST_UID_SLOTS - 1}`);
  }
  return HOST_UID_FIRST_BASE + slot * HOST_UID_STRIDE;
}

/** Rejects a base that is not the start of a block or whose block is in use on this host. */
export async function assertHostUidBaseFree(
  base: number,
  files: IdFiles = SYSTEM_ID_FILES,
): Promise<void> {
  const offset = base - HOST_UID_FIRST_BASE;
  if (!Number.isSafeInteger(base) || offset < 0 || offset % HOST_UID_STRIDE !== 0) {
    throw new HostUidError(
      `host uid ${base} is not a cell uid base (${HOST_UID_FIRST_BASE} + n × ${HOST_UID_STRIDE})`,
    );
  }
  hostUidBaseOfSlot(offset / HOST_UID_STRIDE);
  const end = base + HOST_UID_STRIDE;
  const clash = (await usedIdRanges(files)).find(({ from, to }) => from < end && to > base);
  if (clash) {
    throw new HostUidError(
      `host uids ${base}-${end - 1} overlap ${clash.what}; choose another uid slot`,
    );
  }
}

interface UsedRange {
  from: number;
  /** Exclusive. */
  to: number;
  what: string;
}

async function usedIdRanges(files: IdFiles): Promise<UsedRange[]> {
  const [passwd, group, subuid, subgid] = await Promise.all([
    readIfPresent(files.passwd),
    readIfPresent(files.group),
    readIfPresent(files.subuid),
    readIfPresent(files.subgid),
  ]);
  const ranges: UsedRange[] = [];
  // passwd: name:x:uid:gid:...   group: name:x:gid:members
  for (const [text, file, fields] of [
    [passwd, files.passwd, [2, 3]],
    [group, files.group, [2]],
  ] as const) {
    for (const line of lines(text)) {
      const parts = line.split(':');
      for (const field of fields) {
        const id = Number(parts[field]);
        if (Number.isInteger(id))
          ranges.push({ from: id, to: id + 1, what: `${parts[0]} in ${file}` });
      }
    }
  }
  // subuid/subgid: owner:first:count
  for (const [text, file] of [
    [subuid, files.subuid],
    [subgid, files.subgid],
  ] as const) {
    for (const line of lines(text)) {
      const [owner, first, count] = line.split(':');
      const from = Number(first);
      const size = Number(count);
      if (Number.isInteger(from) && Number.isInteger(size)) {
        ranges.push({ from, to: from + size, what: `${owner}'s range in ${file}` });
      }
    }
  }
  return ranges;
}

const lines = (text: string) =>
  text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));

async function readIfPresent(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
