/**
 * The local driver's warm pool, with real cells: a start takes a waiting sandbox, the
 * workspace's files and uids are its, and nothing of a spare outlives it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CellTemplate } from '../driver';
import { defaultCellLimits } from '../limits';
import type { LocalCellDriver } from './local-driver';
import {
  BLOCKED,
  createTestHost,
  spareNames,
  startTestCell,
  testSpec,
  waitFor,
  type TestHost,
} from './test-support';
import { HOST_UID_STRIDE } from './uids';

const template: CellTemplate = {
  limits: defaultCellLimits(),
  blockedCommands: BLOCKED,
  egress: undefined,
};

let host: TestHost;
let driver: LocalCellDriver;
const poolErrors: unknown[] = [];

beforeAll(async () => {
  host = await createTestHost('warm');
  driver = host.driver({
    warmPool: { size: 1, template, onError: (error) => poolErrors.push(error) },
  });
  await driver.sweepOrphans(new Set());
  await driver.pool!.filled();
});

afterAll(async () => {
  await host.dispose();
  expect(poolErrors).toEqual([]);
});

/** The cells' cgroups under the test's parent, in every hierarchy. */
function cgroupsOnHost(): string[] {
  return ['', ...readdirSync('/sys/fs/cgroup')].flatMap((hierarchy) => {
    const parent = join('/sys/fs/cgroup', hierarchy, host.cgroupParent);
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  });
}

/** The backing files of the host's loop devices. */
function loopImages(): string[] {
  return readdirSync('/sys/block')
    .filter((device) => device.startsWith('loop'))
    .flatMap((device) => {
      try {
        return [readFileSync(`/sys/block/${device}/loop/backing_file`, 'utf8').trim()];
      } catch {
        return [];
      }
    });
}

const spareDirs = () => spareNames(host.cellsDir);

/** Host processes (zombies included) with a uid in the block at `base`. */
function processesOfBlock(base: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
        return uid >= base && uid < base + HOST_UID_STRIDE;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('the local warm pool', { timeout: 120_000 }, () => {
  it('hands a waiting sandbox to a workspace, with its files and as its user, and refills', async () => {
    expect(driver.pool!.waiting).toBe(1);
    const [spare] = spareDirs();
    const spec = testSpec('warm-first');
    const first = await startTestCell(driver, spec);
    expect(first.cell.fromPool).toBe(true);
    const base = await driver.hostUidOf(spec.workspaceId);
    expect(base).toBeDefined();

    const inside = await first.sh(
      'id -u; stat -c "%u %a" /app; ls -A /app; echo hello > /app/note.txt; stat -c %u /app/note.txt',
    );
    expect(inside.stderr).toBe('');
    // The volume is mounted on the spare's /app: empty, the user's, no lost+found.
    expect(inside.stdout).toBe('1000\n1000 700\n1000\n');
    // It is the spare's blank image, now the workspace's, with the quota of any volume.
    expect(loopImages()).toContain(join(host.cellsDir, spec.workspaceId, 'app.ext4'));
    const size = Number((await first.sh('df -B1 --output=size /app | tail -1')).stdout);
    expect(size).toBeGreaterThan(0.9 * spec.limits.diskBytes);
    expect(size).toBeLessThanOrEqual(spec.limits.diskBytes);
    // Nothing in the cell shows where its volume or the spare lived on the host.
    const mounts = async (cell: typeof first) => (await cell.sh('cat /proc/self/mountinfo')).stdout;
    expect(await mounts(first)).not.toContain(host.dir);
    // On the host, user code runs in the block the workspace took over from the spare.
    const sleeper = await first.sh('sleep 60 >/dev/null 2>&1 & echo $!');
    const sleeperPid = Number(sleeper.stdout);
    // Its pid inside the cell is not the host's: find it among the block's by command.
    const sleeping = () =>
      processesOfBlock(base!).filter((pid) =>
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0'),
      );
    expect(sleeperPid).toBeGreaterThan(0);
    await waitFor(() => sleeping().length === 1, "the user's sleep on the host", 10_000);

    // A shell keeps its history in the workspace, as in a cell started for it.
    await first.agent.request({ op: 'pty.open', ptyId: 'shell', cols: 80, rows: 24 });
    await waitFor(() => first.ptyOutput('shell').includes('$ '), 'the prompt', 10_000);
    await first.agent.request({ op: 'pty.input', ptyId: 'shell' }, Buffer.from('echo kept\r'));
    const history = async () =>
      (await first.sh('cat /app/.workcell/bash_history 2>/dev/null')).stdout.includes('echo kept');
    await waitFor(history, 'the history in the workspace', 10_000, 100);

    // The pool made another spare while the cell runs: the next start is warm too.
    await driver.pool!.filled();
    expect(driver.pool!.waiting).toBe(1);

    await first.cell.stop();
    // The host's init may not yet have reaped the zombie the isolation probe left in the
    // first block, which a spare of a new registry gets.
    await waitFor(() => processesOfBlock(base!).length === 0, 'the block to be empty', 5_000);
    expect(existsSync(join(host.cellsDir, spare!))).toBe(false);
    expect(existsSync(join(host.cellsDir, spec.workspaceId, 'cell.json'))).toBe(false);
    expect(cgroupsOnHost().filter((name) => name.startsWith(spare!))).toEqual([]);

    // Started again, from another spare in another uid block: the files came along.
    await driver.pool!.filled();
    const [secondSpare] = spareDirs();
    const again = await startTestCell(driver, spec);
    expect(again.cell.fromPool).toBe(true);
    const moved = await driver.hostUidOf(spec.workspaceId);
    expect(moved).not.toBe(base);
    const reread = await again.sh('cat /app/note.txt; stat -c %u /app/note.txt; id -u');
    expect(reread.stdout).toBe('hello\n1000\n1000\n');
    expect(await mounts(again)).not.toContain(host.dir);
    // That spare's blank volume lies beneath the workspace's, and goes with the cell.
    const blankOf = (dir: string) => loopImages().filter((image) => image.startsWith(dir));
    const secondSpareDir = join(host.cellsDir, secondSpare!);
    expect(blankOf(secondSpareDir)).toHaveLength(1);
    await again.cell.stop();
    await waitFor(() => blankOf(secondSpareDir).length === 0, 'its blank volume released', 5_000);
  });

  it('starts a cell whose settings differ from the pool’s without it', async () => {
    await driver.pool!.filled();
    const other = await startTestCell(driver, testSpec('warm-other', { pids: 77 }));
    expect(other.cell.fromPool).toBe(false);
    expect(driver.pool!.waiting).toBe(1);
    expect((await other.sh('id -u')).stdout).toBe('1000\n');
    await other.cell.stop();
  });

  it('replaces a waiting sandbox that dies, and releases what it held', async () => {
    await driver.pool!.filled();
    const [dying] = spareDirs();
    // Its processes, from its agent's cgroup in the unified or a v1 hierarchy.
    const procs = ['', ...readdirSync('/sys/fs/cgroup')]
      .map((h) => join('/sys/fs/cgroup', h, host.cgroupParent, `${dying!}.agent`, 'cgroup.procs'))
      .find((file) => existsSync(file));
    const pids = readFileSync(procs!, 'utf8').split('\n').filter(Boolean).map(Number);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGKILL');

    await waitFor(
      () => !spareDirs().includes(dying!) && driver.pool!.waiting === 1,
      'another spare in its place',
      30_000,
    );
    expect(cgroupsOnHost().filter((name) => name.startsWith(dying!))).toEqual([]);
    const next = await startTestCell(driver, testSpec('warm-after-death'));
    expect(next.cell.fromPool).toBe(true);
    expect((await next.sh('id -u')).stdout).toBe('1000\n');
    await next.cell.stop();
  });

  it('sweeps the spares of a server that died, and a closed driver leaves none', async () => {
    // A spare of a server that is gone: its directory and marker, as a crash leaves them.
    const dead = spawnSync('true').pid;
    const abandoned = join(host.cellsDir, `.spare-${dead}-1`);
    await mkdir(join(abandoned, 'app'), { recursive: true });
    await writeFile(join(abandoned, 'cell.json'), '{"hostUid":1}\n');
    await driver.sweepOrphans(new Set());
    expect(existsSync(abandoned)).toBe(false);

    await driver.pool!.filled();
    const [spare] = spareDirs();
    expect(spare).toBeDefined();
    await driver.close();
    expect(spareDirs()).toEqual([]);
    expect(cgroupsOnHost()).toEqual([]);
  });
});
