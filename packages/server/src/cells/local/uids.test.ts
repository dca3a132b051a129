import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  assertHostUidBaseFree,
  HOST_UID_FIRST_BASE,
  HOST_UID_SLOTS,
  HOST_UID_STRIDE,
  hostUidBaseOfSlot,
  type IdFiles,
} from './uids';

describe('host uid blocks', () => {
  let dir: string;
  let files: IdFiles;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'workcell-uids-'));
    files = {
      passwd: join(dir, 'passwd'),
      group: join(dir, 'group'),
      subuid: join(dir, 'subuid'),
      subgid: join(dir, 'subgid'),
    };
    await writeFile(files.passwd, 'root:x:0:0::/root:/bin/sh\nodd:x:204500:100::/:/bin/sh\n');
    await writeFile(files.group, 'root:x:0:\n# a comment\nodd:x:206001:\n');
    await writeFile(files.subuid, 'alice:210000:65536\n');
    // subgid deliberately missing: an absent file holds no ranges.
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('maps slots to bases from 200000 with a stride of 2000', () => {
    expect(hostUidBaseOfSlot(0)).toBe(HOST_UID_FIRST_BASE);
    expect(hostUidBaseOfSlot(3)).toBe(HOST_UID_FIRST_BASE + 3 * HOST_UID_STRIDE);
    expect(hostUidBaseOfSlot(HOST_UID_SLOTS - 1) + HOST_UID_STRIDE).toBeLessThanOrEqual(
      0x7fff_ffff,
    );
    for (const bad of [-1, 1.5, HOST_UID_SLOTS, Number.NaN]) {
      expect(() => hostUidBaseOfSlot(bad)).toThrow(/outside/);
    }
  });

  it('refuses blocks that overlap an account, a group or a subordinate range', async () => {
    await expect(assertHostUidBaseFree(hostUidBaseOfSlot(0), files)).resolves.toBeUndefined();
    await expect(assertHostUidBaseFree(hostUidBaseOfSlot(2), files)).rejects.toThrow(
      /odd in .*passwd/,
    );
    await expect(assertHostUidBaseFree(hostUidBaseOfSlot(3), files)).rejects.toThrow(
      /odd in .*group/,
    );
    await expect(assertHostUidBaseFree(hostUidBaseOfSlot(5), files)).rejects.toThrow(
      /alice's range/,
    );
    // alice owns 210000-275535: slot 37 (274000-275999) overlaps its end, slot 38 is free.
    await expect(assertHostUidBaseFree(hostUidBaseOfSlot(37), files)).rejects.toThrow(/alice/);
    await expect(assertHostUidBaseFree(hostUidBaseOfSlot(38), files)).resolves.toBeUndefined();
  });

  it('refuses host uids that are not the start of a block', async () => {
    await expect(assertHostUidBaseFree(1000, files)).rejects.toThrow(/not a cell uid base/);
    await expect(assertHostUidBaseFree(HOST_UID_FIRST_BASE + 1, files)).rejects.toThrow(
      /not a cell uid base/,
    );
    await expect(assertHostUidBaseFree(HOST_UID_FIRST_BASE, files)).resolves.toBeUndefined();
  });
});
