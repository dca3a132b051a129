/**
 * The hold-and-move handshake without cgroups: a `cgroup.procs` stand-in (a file, whose
 * writes the test reads back) shows which pid the agent moved, and when; the real move into
 * a cell's cgroups is checked in the local driver's isolation tests.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, beforeEach, describe, expect, test } from 'vitest';

import { AgentFailure } from './failure';
import { statFields } from './proc-stat';
import { UserCgroups } from './user-cgroups';

let dir: string;
const fds: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'workcell-user-cgroups-'));
});
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

function open(name: string, flags: 'w' | 'r'): number {
  const fd = openSync(name === '/dev/null' ? name : join(dir, name), flags);
  fds.push(fd);
  return fd;
}

function start(argv: string[]) {
  const [file = '', ...args] = argv;
  const child = spawn(file, args, { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { pid: child.pid!, exited };
}

describe('UserCgroups', () => {
  test('holds a process until it is moved, writes its pid to every file, then lets it run', async () => {
    const cgroups = new UserCgroups([open('cpu.procs', 'w'), open('memory.procs', 'w')]);
    const out = join(dir, 'out');
    const { pid, exited } = start(cgroups.held(['/bin/sh', '-c', `echo ran > ${out}`]));
    await sleep(200);
    // Stopped before running anything of its own.
    expect(statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[0]).toBe('T');
    expect(() => readFileSync(out)).toThrow();

    await cgroups.adopt(pid);
    expect(await exited).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('ran\n');
    for (const file of ['cpu.procs', 'memory.procs'])
      expect(readFileSync(join(dir, file), 'utf8')).toBe(`${pid}\n`);
  });

  test('kills a process it cannot move, before it runs', async () => {
    const cgroups = new UserCgroups([open('/dev/null', 'r')]);
    const out = join(dir, 'out');
    const { pid, exited } = start(cgroups.held(['/bin/sh', '-c', `echo ran > ${out}`]));
    const failure = await cgroups.adopt(pid).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AgentFailure);
    expect((failure as AgentFailure).message).toMatch(/could not move process \d+ into/);
    expect(await exited).toBe('SIGKILL');
    expect(() => readFileSync(out)).toThrow();
  });

  test('starts processes as they are where the driver gives no cgroup files', async () => {
    const cgroups = new UserCgroups([]);
    expect(cgroups.held(['/bin/true', 'x'])).toEqual(['/bin/true', 'x']);
    const { pid, exited } = start(cgroups.held(['/bin/true']));
    await cgroups.adopt(pid);
    expect(await exited).toBe(0);
  });
});
