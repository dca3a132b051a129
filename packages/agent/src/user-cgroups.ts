/**
 * Moving user processes into the user's cgroups, where the driver keeps the agent in a
 * cgroup of its own (the local driver; see cgroups.ts on the server). A child starts in
 * its parent's cgroup, and the agent's has none of the user's limits, so each user process
 * is moved before it can fork: it starts as `sh -c 'kill -STOP $$ && exec "$@"'`, which
 * stops itself before running anything; the agent writes its pid into each of the user's
 * `cgroup.procs` files, waits until the kernel shows it stopped, and continues it.
 *
 * The driver opened those files as root and handed them to the agent as descriptors: the
 * kernel checks the opener's credentials, so the agent may move a process of another uid,
 * and Node marks inherited descriptors close-on-exec, so no child, user code least of all,
 * holds them. A process that cannot be moved is killed before it runs.
 */
import { writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { AgentFailure } from './failure';
import { statFields } from './proc-stat';

/** How long a just-spawned process may take to stop itself (a shell's start). */
const STOP_TIMEOUT_MS = 5_000;

export class UserCgroups {
  constructor(private readonly procsFds: readonly number[]) {}

  /** The argv that runs `argv` once adopt() has moved it; `argv` itself when nothing moves. */
  held(argv: readonly string[]): string[] {
    if (this.procsFds.length === 0) return [...argv];
    return ['/bin/sh', '-c', 'kill -STOP $$ && exec "$@"', 'sh', ...argv];
  }

  /** Moves the held process `pid` into the user's cgroups and lets it run; kills it if that fails. */
  async adopt(pid: number): Promise<void> {
    if (this.procsFds.length === 0) return;
    try {
      for (const fd of this.procsFds) writeSync(fd, `${pid}\n`);
      await untilStopped(pid);
      process.kill(pid, 'SIGCONT');
    } catch (error) {
      killQuietly(pid);
      throw new AgentFailure(
        'INTERNAL',
        `could not move process ${pid} into the cell's limits: ${(error as Error).message}`,
      );
    }
  }
}

/** Waits for the state `T` in /proc/<pid>/stat: the process has stopped itself. */
async function untilStopped(pid: number): Promise<void> {
  const deadline = performance.now() + STOP_TIMEOUT_MS;
  for (;;) {
    const [state] = statFields(await readFile(`/proc/${pid}/stat`, 'utf8'));
    if (state === 'T') return;
    if (state === 'Z' || state === 'X') throw new Error('it exited');
    if (performance.now() > deadline)
      throw new Error(`it did not stop within ${STOP_TIMEOUT_MS} ms`);
    await sleep(1);
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
