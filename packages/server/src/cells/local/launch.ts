/**
 * Starting the sandbox process (notes/sandbox.md §1, §6 "Multi-uid launch", §9):
 *
 *   server (root) ─spawn─> unshare --mount (root): a mount namespace of the cell's own,
 *   exec bash wrapper (root): closes every inherited descriptor but the ones below, joins
 *   the agent's cgroups, opens the user's `cgroup.procs` files, disables core dumps,
 *   makes the workspace volume's mount point shared (volume.ts), then
 *   exec setpriv --reuid=<base> ─> exec bwrap --args 4 (as <base>, unprivileged)
 *
 * so the cell's processes never run outside its cgroups nor as root. The agent moves
 * each user process into the user's cgroups on those descriptors before it runs (opened
 * by root, so the kernel lets them move a process of another uid: @workcell/agent's
 * user-cgroups.ts). bwrap creates the namespaces, reports the sandbox's pid on the info
 * pipe and waits; the server writes the uid/gid maps (0 -> base, 1000 -> base+1000),
 * which only a privileged process can do for two ids, and releases bwrap with one byte
 * on the block descriptor. While the agent starts, the volume is mounted on the shared
 * point (in the wrapper's namespace; it propagates into bwrap's). The launch ends when
 * that is done and the agent has written its first bytes: it is up, and a failure before
 * that is reported with what bwrap or the agent said on stderr.
 *
 * Descriptors of the spawned process:
 *   0, 1  /dev/null — the sandbox's pid 1 keeps its stdio, so nothing worth taking there
 *   2     pipe to the server: bwrap's and the agent's diagnostics
 *   3     socket: the agent channel. Also bwrap's --userns-block-fd: the bwrap monitor
 *         outside the sandbox reads the release byte from it and closes its copy, and the
 *         sandbox's pid 1 closes every descriptor above 2, so only the agent keeps it
 *   4     --args: bwrap's options (no host path reaches /proc/1/cmdline)
 *   5     --info-fd
 *   6-8   the user's cgroup.procs files, one per limiting hierarchy (at most 3)
 *   9...  generated files (--ro-bind-data, --file), one descriptor each
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { runHost } from './host';
import { CELL_USER_UID } from './uids';
import { mountRepairingOnce } from './volume';

export const FD = { channel: 3, args: 4, info: 5, userCgroups: 6, firstData: 9 } as const;

const WRAPPER = `keep=$1; shift
for fd in /proc/$$/fd/*; do fd=\${fd##*/}; if ((fd >= keep)); then eval "exec $fd>&-"; fi; done
ulimit -c 0
until [[ $1 == -- ]]; do echo $$ >"$1" || exit 125; shift; done
shift
fd=${FD.userCgroups}
until [[ $1 == -- ]]; do eval "exec $fd>\\"\\$1\\"" || exit 125; fd=$((fd + 1)); shift; done
shift
mount=(); until [[ $1 == -- ]]; do mount+=("$1"); shift; done; shift
if ((\${#mount[@]})); then "\${mount[@]}" || exit 124; fi
exec "$@"`;

const STDERR_TAIL_BYTES = 4096;

export interface LaunchTools {
  unshare: string;
  bash: string;
  setpriv: string;
  bwrap: string;
  nsenter: string;
}

export interface LaunchRequest {
  tools: LaunchTools;
  hostUid: number;
  /** cgroup.procs files to join before dropping root: the agent's. */
  cgroupProcs: string[];
  /** cgroup.procs files the agent moves user processes into, on FD.userCgroups... */
  userCgroupProcs: string[];
  /**
   * Run in the cell's mount namespace before bwrap: makes the shared mount point for the
   * volume (volume.ts sharedMountPointCommand). Absent: nothing to mount (a plain directory).
   */
  mountPoint?: string[];
  /**
   * Mounted while the agent starts, on the shared mount point `mountPoint` made (mountInSandbox):
   * the launch ends once both are done. Nothing in the agent opens /app before a request,
   * and this takes the volume's mount off the start's critical path.
   */
  volumeWhileStarting?: { mount: string[]; repair: string[] };
  args: string[];
  command: string[];
  /** Host files whose content goes on descriptors FD.firstData, FD.firstData + 1, ... */
  dataFiles: string[];
  /** Forbid new user namespaces inside the cell (see sealUserns). */
  sealUserns: boolean;
  timeoutMs: number;
  /** Told as each step ends. */
  step?: (name: 'namespaces' | 'mapped' | 'sealed' | 'mounted' | 'agent') => void;
}

export interface Sandbox {
  /** The bwrap monitor: exits when the agent does, taking the sandbox with it. */
  process: ChildProcess;
  /** Pid of the sandbox's pid 1, on the host. */
  innerPid: number;
  channel: Socket;
  /** The last few KiB written to stderr by bwrap and the agent. */
  stderrTail(): string;
}

export async function launchSandbox(request: LaunchRequest): Promise<Sandbox> {
  const { tools, hostUid } = request;
  if (request.userCgroupProcs.length > FD.firstData - FD.userCgroups) {
    throw new Error(`a cell joins at most ${FD.firstData - FD.userCgroups} user cgroups`);
  }
  const dataFds = request.dataFiles.map((file) => openSync(file, 'r'));
  let child: ChildProcess;
  try {
    child = spawn(
      tools.unshare,
      [
        '--mount',
        '--propagation',
        'private',
        '--',
        tools.bash,
        '-c',
        WRAPPER,
        'workcell-cell',
        String(FD.firstData + dataFds.length),
        ...request.cgroupProcs,
        '--',
        ...request.userCgroupProcs,
        '--',
        ...(request.mountPoint ?? []),
        '--',
        tools.setpriv,
        `--reuid=${hostUid}`,
        `--regid=${hostUid}`,
        '--clear-groups',
        tools.bwrap,
        '--args',
        String(FD.args),
        '--',
        ...request.command,
      ],
      {
        env: {},
        stdio: [
          'ignore',
          'ignore',
          'pipe',
          'pipe',
          'pipe',
          'pipe',
          ...Array<'ignore'>(FD.firstData - FD.userCgroups).fill('ignore'),
          ...dataFds,
        ],
        // Its own session: signals for the server's process group stay out of the cell.
        detached: true,
      },
    );
  } finally {
    for (const fd of dataFds) closeSync(fd);
  }

  const stdio = child.stdio as unknown as [null, null, Readable, Socket, Writable, Readable];
  const [, , stderr, channel, argsPipe, infoPipe] = stdio;
  // A broken pipe shows as the sandbox's exit, which is handled; unheard, these events
  // would take the server down.
  for (const stream of [stderr, channel, argsPipe, infoPipe]) stream.on('error', () => undefined);
  let tail = '';
  stderr.setEncoding('utf8');
  stderr.on('data', (text: string) => {
    tail = (tail + text).slice(-STDERR_TAIL_BYTES);
  });
  const stderrTail = () => tail.trim();
  const stopped = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`cannot spawn the sandbox: ${error.message}`)));
    child.once('exit', (code, signal) => {
      // stderr may still be arriving; give it a moment to say why.
      setTimeout(() => {
        const status = signal ?? `exit ${code}`;
        reject(
          new Error(
            `the sandbox stopped while starting (${status}): ${stderrTail() || 'no output'}`,
          ),
        );
      }, 20);
    });
  });
  stopped.catch(() => undefined);

  argsPipe.end(Buffer.from(request.args.map((arg) => `${arg}\0`).join('')));

  const handshake = async () => {
    const step = request.step ?? (() => undefined);
    const innerPid = await readInfo(infoPipe);
    step('namespaces');
    const map = `0 ${hostUid} 1\n${CELL_USER_UID} ${hostUid + CELL_USER_UID} 1\n`;
    await writeFile(`/proc/${innerPid}/uid_map`, map);
    await writeFile(`/proc/${innerPid}/gid_map`, map);
    channel.write(Buffer.of(1));
    step('mapped');
    // Sealing overlaps the sandbox's setup and the agent's start: no user code runs before
    // the server sends a request, which it can only do once this returns.
    await Promise.all([
      request.sealUserns && sealUserns(tools.nsenter, innerPid).then(() => step('sealed')),
      request.volumeWhileStarting &&
        mountInSandbox(tools, child.pid!, request.volumeWhileStarting).then(() => step('mounted')),
      firstOutput(channel).then(() => step('agent')),
    ]);
    return innerPid;
  };
  try {
    const innerPid = await withTimeout(
      Promise.race([handshake(), stopped]),
      request.timeoutMs,
      () =>
        `the sandbox's agent did not start within ${request.timeoutMs} ms: ${stderrTail() || 'no output'}`,
    );
    return { process: child, innerPid, channel, stderrTail };
  } catch (error) {
    // A step that failed because the sandbox died is better explained by the sandbox.
    const reason = await Promise.race([
      stopped.catch((stop: unknown) => stop),
      sleep(100).then(() => error),
    ]);
    child.kill('SIGKILL');
    channel.destroy();
    throw reason;
  }
}

/**
 * Mounts a volume into a running sandbox as the wrapper does before bwrap starts: in the
 * outer mount namespace of `monitorPid` (the bwrap monitor), under a mount point shared
 * with the sandbox (volume.ts sharedMountPointCommand), so it appears in the sandbox too,
 * over whatever is mounted there already.
 */
export async function mountInSandbox(
  tools: LaunchTools,
  monitorPid: number,
  volume: { mount: string[]; repair: string[] },
): Promise<void> {
  // nsenter runs mount itself: a bash in between cost a hand-over about 2 ms.
  await mountRepairingOnce(
    () => runHost(tools.nsenter, [`--mount=/proc/${monitorPid}/ns/mnt`, '--', ...volume.mount]),
    volume.repair,
  );
}

/**
 * Sets user.max_user_namespaces to 0 in the cell's user namespace, so user code cannot
 * create nested ones (a large kernel attack surface). bwrap's --disable-userns does this
 * but refuses to combine with --userns-block-fd, and the cell cannot do it itself (its
 * /proc/sys is read-only), so a helper enters the namespace as its root and writes it.
 */
async function sealUserns(nsenter: string, innerPid: number): Promise<void> {
  await runHost(nsenter, [
    `--user=/proc/${innerPid}/ns/user`,
    '/bin/sh',
    '-c',
    'echo 0 > /proc/sys/user/max_user_namespaces',
  ]);
}

/** The sandbox's pid from bwrap's `--info-fd` JSON, which bwrap closes once written. */
function readInfo(pipe: Readable): Promise<number> {
  return new Promise((resolve) => {
    let text = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => (text += chunk));
    pipe.on('end', () => {
      const pid = /"child-pid":\s*(\d+)/.exec(text)?.[1];
      if (pid !== undefined) resolve(Number(pid));
    });
  });
}

/**
 * Resolves once the agent has written its first bytes (its `ready` frame), and puts them
 * back, unread, for whoever consumes the channel next. (Should the sandbox end instead,
 * `stopped` says why.)
 */
function firstOutput(channel: Socket): Promise<void> {
  return new Promise((resolve) => {
    const onReadable = () => {
      const chunk = channel.read() as Buffer | null;
      if (chunk === null) return;
      channel.off('readable', onReadable);
      channel.unshift(chunk);
      resolve();
    };
    channel.on('readable', onReadable);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
