import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { UidRegistry } from './uid-registry';
import { HOST_UID_FIRST_BASE, HOST_UID_STRIDE } from './uids';

describe('the host-wide uid registry', () => {
  let dir: string;
  const cellDir = async (name: string) => {
    const path = join(dir, 'cells', name);
    await mkdir(path, { recursive: true });
    return path;
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'workcell-uid-registry-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives a workspace the same block on every start, and another workspace another', async () => {
    const registry = new UidRegistry(join(dir, 'registry'));
    const first = await registry.baseFor(await cellDir('a'));
    const second = await registry.baseFor(await cellDir('b'));
    expect(first).not.toBe(second);
    for (const base of [first, second]) {
      expect((base - HOST_UID_FIRST_BASE) % HOST_UID_STRIDE).toBe(0);
    }
    expect(await registry.baseFor(await cellDir('a'))).toBe(first);
  });

  it('never hands one block to two workspaces of servers racing on the same host', async () => {
    const path = join(dir, 'registry');
    // Two servers (separate databases, separate cells directories) share the host.
    const servers = [new UidRegistry(path), new UidRegistry(path)];
    const bases = await Promise.all(
      Array.from({ length: 24 }, async (_, i) =>
        servers[i % 2]!.baseFor(await cellDir(`server-${i % 2}/ws-${i}`)),
      ),
    );
    expect(new Set(bases).size).toBe(24);
  });

  it('hands a deleted workspace’s block to the next one, and a released one too', async () => {
    const registry = new UidRegistry(join(dir, 'registry'));
    const gone = await cellDir('gone');
    const kept = await registry.baseFor(await cellDir('kept'));
    const reused = await registry.baseFor(gone);
    await rm(gone, { recursive: true });
    expect(await registry.baseFor(await cellDir('next'))).toBe(reused);
    const released = await cellDir('released');
    const base = await registry.baseFor(released);
    await registry.release(released);
    expect(await registry.recordedBase(released)).toBeUndefined();
    expect(await registry.baseFor(await cellDir('after'))).toBe(base);
    expect(await registry.baseFor(await cellDir('kept'))).toBe(kept);
  });

  it('moves a spare sandbox’s block to the workspace it is handed to, freeing the old one', async () => {
    const registry = new UidRegistry(join(dir, 'registry'));
    const workspace = await cellDir('workspace');
    const old = await registry.baseFor(workspace);
    const spare = await cellDir('.spare-1');
    const spareBase = await registry.baseFor(spare);

    expect(await registry.transfer(spare, workspace)).toBe(spareBase);
    expect(await registry.recordedBase(workspace)).toBe(spareBase);
    expect(await registry.baseFor(workspace)).toBe(spareBase);
    expect(await registry.recordedBase(spare)).toBeUndefined();
    // The workspace's former block is free, and the moved one is not handed out twice.
    expect(await registry.baseFor(await cellDir('next'))).toBe(old);
    expect(await registry.baseFor(await cellDir('after'))).not.toBe(spareBase);
    await expect(registry.transfer(spare, await cellDir('other'))).rejects.toThrow(/no uid block/);
  });
});
