/**
 * Real cells on this host: bubblewrap, cgroups, loop volumes, the real agent. These
 * tests need root and bubblewrap and fail (never skip) without them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isWorkcellError } from '../../errors';
import type { CellSpec } from '../driver';
import type { LocalCellDriver } from './local-driver';
import { formatIsolationReport } from '../isolation-report';
import {
  createTestHost,
  startTestCell,
  testSpec,
  waitFor,
  type TestCell,
  type TestHost,
} from './test-support';
import { UID_SLOT_RECORD } from './uid-registry';
import { HOST_UID_STRIDE, hostUidBaseOfSlot } from './uids';

const MiB = 1024 * 1024;
let host: TestHost;
let driver: LocalCellDriver;

beforeAll(async () => {
  host = await createTestHost('local');
  driver = host.driver();
  const report = await driver.probe();
  if (!report.usable)
    throw new Error(`this host cannot run cells:\n${formatIsolationReport(report)}`);
});

afterAll(async () => {
  await host.dispose();
});

const knownHostUids = new Map<string, number>();

/** The cell's host uid base as its driver recorded it (remembered once the record goes). */
function hostUidOf(spec: CellSpec, cellsDir: string): number | undefined {
  const record = join(cellsDir, spec.workspaceId, UID_SLOT_RECORD);
  if (existsSync(record)) {
    knownHostUids.set(spec.workspaceId, hostUidBaseOfSlot(Number(readFileSync(record, 'utf8'))));
  }
  return knownHostUids.get(spec.workspaceId);
}

/** Everything of a cell that could outlive it on the host. */
function leftovers(spec: CellSpec, cellsDir = host.cellsDir, parent = host.cgroupParent) {
  // v1 hierarchies are /sys/fs/cgroup/<controller>; a pure v2 host has one at the top.
  const cgroups = ['', ...readdirSync('/sys/fs/cgroup')]
    .flatMap((entry) =>
      cgroupNames(spec).map((name) => join('/sys/fs/cgroup', entry, parent, name)),
    )
    .filter((dir) => existsSync(dir));
  const mountPoint = join(cellsDir, spec.workspaceId, 'app');
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mountPoint} `);
  const loops = readdirSync('/sys/block')
    .filter((d) => d.startsWith('loop'))
    .filter((d) => {
      const file = `/sys/block/${d}/loop/backing_file`;
      return (
        existsSync(file) && readFileSync(file, 'utf8').startsWith(join(cellsDir, spec.workspaceId))
      );
    });
  const hostUid = hostUidOf(spec, cellsDir);
  const processes =
    hostUid === undefined ? [] : processesOfUids(hostUid, hostUid + HOST_UID_STRIDE);
  const marked = existsSync(join(cellsDir, spec.workspaceId, 'cell.json'));
  return { cgroups, mounted, loops, processes, marked };
}

const NOTHING = { cgroups: [], mounted: false, loops: [], processes: [], marked: false };

/** Processes (zombies included) whose uid is in [from, to). */
function processesOfUids(from: number, to: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
        return uid >= from && uid < to;
      } catch {
        return false;
      }
    })
    .map(Number);
}

type Part = 'user' | 'agent';

/** The cgroup names of a cell: the user's processes, and the agent's beside them. */
function cgroupNames(spec: CellSpec, parts: readonly Part[] = ['user', 'agent']): string[] {
  return parts.map((part) => (part === 'user' ? spec.workspaceId : `${spec.workspaceId}.agent`));
}

/** A cell's cgroup file, in the controller's v1 hierarchy or the v2 one. */
function cgroupFile(spec: CellSpec, controller: string, file: string, part: Part = 'user'): string {
  const [name = ''] = cgroupNames(spec, [part]);
  const v1 = join('/sys/fs/cgroup', controller, host.cgroupParent, name, file);
  return existsSync(v1) ? v1 : join('/sys/fs/cgroup', host.cgroupParent, name, file);
}

/** Processes in the cell's cgroups (its pids hierarchy): both parts, or one. */
function cgroupProcesses(spec: CellSpec, parts: readonly Part[] = ['user', 'agent']): number[] {
  return parts.flatMap((part) => {
    const procs = cgroupFile(spec, 'pids', 'cgroup.procs', part);
    return existsSync(procs)
      ? readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number)
      : [];
  });
}

describe('isolation', () => {
  let a: TestCell;
  let b: TestCell;
  let specA: CellSpec;

  beforeAll(async () => {
    specA = testSpec('iso-a');
    [a, b] = await Promise.all([
      startTestCell(driver, specA),
      startTestCell(driver, testSpec('iso-b')),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a.cell.stop(), b.cell.stop()]);
  });

  it('runs user code as uid 1000 in /app with a clean environment', async () => {
    // The first command after the start: the volume, mounted while the agent started, is
    // already at /app (ext4), not the tmpfs it was mounted on.
    const { stdout } = await a.sh(
      'id -u; id -g; pwd; stat -f -c %T /app; hostname; echo "$HOME $USER $PATH $LANG $OMP_NUM_THREADS"',
    );
    expect(stdout.split('\n')).toEqual([
      '1000',
      '1000',
      '/app',
      'ext2/ext3',
      'workcell',
      '/home/user user /app/.local/bin:/usr/local/bin:/usr/bin:/bin C.UTF-8 1',
      '',
    ]);
    const env = await a.sh('env');
    expect(env.stdout).not.toMatch(/WORKCELL_|DATA_DIR|DATABASE_URL|NODE_/);
  });

  it('has only loopback and no route out', async () => {
    const { stdout } = await a.sh(`
      ls /sys/class/net 2>&1
      tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '
      /usr/bin/python3 -c '
import socket
try:
    socket.create_connection(("1.1.1.1", 80), timeout=3); print("connected")
except OSError as e:
    print(e.strerror)'`);
    expect(stdout).toContain('No such file or directory');
    expect(stdout).toContain('lo\n');
    expect(stdout).not.toMatch(/eth|ens|veth|wlan/);
    expect(stdout).toContain('Network is unreachable');
    expect(stdout).not.toContain('connected');
  });

  it('cannot see host files, the server, DATA_DIR or host paths', async () => {
    const paths = ['/etc/shadow', process.cwd(), host.cellsDir, host.dir, '/root', '/sys'];
    const { stdout } = await a.sh(
      `for p in ${paths.join(' ')}; do [ -e "$p" ] && echo "visible $p"; done; cat /proc/1/cmdline | tr '\\0' ' '; echo; cat /proc/self/mountinfo`,
    );
    expect(stdout).not.toContain('visible');
    expect(stdout).toContain('/usr/bin/bwrap --args 4 -- ');
    expect(stdout).not.toContain(host.dir);
    // The volume shows its own root, not where the image lives on the host.
    expect(stdout).toMatch(/ \/ \/app rw,nosuid,nodev/);
  });

  it("cannot see another workspace's files", async () => {
    await b.sh('echo secret > /app/b-only.txt');
    const { stdout } = await a.sh(
      'ls -a /app; find / \\( -path /proc -o -path /usr \\) -prune -o -name b-only.txt -print 2>/dev/null; echo done',
    );
    expect(stdout).not.toContain('b-only');
    expect(stdout).toContain('done');
  });

  it('has a read-only / and /usr, and an empty /usr/local apart from Workcell links', async () => {
    const { stdout } = await a.sh(
      'for p in /x /usr/x /usr/bin/x /etc/x /usr/local/x /var/x; do touch $p 2>&1; done; ls /usr/local; ls /usr/local/bin | sort | tr "\\n" " "',
    );
    expect(stdout.match(/Read-only file system/g)).toHaveLength(6);
    expect(stdout).toContain('bin\nlibexec\n');
    expect(stdout).toContain('python ');
    expect(stdout).toContain('sudo ');
  });

  it("cannot read, signal, trace or take descriptors from the agent or the sandbox's pid 1", async () => {
    const { stdout } = await a.sh(`/usr/bin/python3 - <<'EOF'
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
def err(): return os.strerror(ctypes.get_errno())
agent = next(int(p) for p in os.listdir('/proc') if p.isdigit()
             and open(f'/proc/{p}/cmdline', 'rb').read().startswith(b'/usr/bin/node'))
for pid in (1, agent):
    for name in ('environ', 'fd', 'mem'):
        try:
            (os.listdir if name == 'fd' else lambda p: open(p, 'rb').read(1))(f'/proc/{pid}/{name}')
            print(pid, name, 'READ')
        except OSError as e:
            print(pid, name, e.strerror)
    for sig in (0, signal.SIGKILL):
        try:
            os.kill(pid, sig); print(pid, 'kill', sig, 'ALLOWED')
        except OSError as e:
            print(pid, 'kill', e.strerror)
    print(pid, 'ptrace', libc.ptrace(16, pid, 0, 0), err())
    pidfd = libc.syscall(434, pid, 0)
    print(pid, 'pidfd_getfd', libc.syscall(438, pidfd, 3, 0), err())
print('unshare', libc.unshare(0x10000000), err())
EOF`);
    expect(stdout).not.toMatch(/READ$|ALLOWED/m);
    expect(stdout.match(/Permission denied/g)).toHaveLength(6);
    expect(stdout.match(/kill Operation not permitted/g)).toHaveLength(4);
    expect(stdout.match(/ptrace -1 Operation not permitted/g)).toHaveLength(2);
    expect(stdout.match(/pidfd_getfd -1 Operation not permitted/g)).toHaveLength(2);
    // No nested user namespaces either (max_user_namespaces is 0 in the cell).
    expect(stdout).toContain('unshare -1 No space left on device');
    expect(await a.agent.request({ op: 'ping' })).toBeTruthy();
  });

  it('gives user processes nothing but their stdio, and the agent and pid 1 only what they need', async () => {
    const { stdout } = await a.sh('ls /proc/self/fd | sort -n | tr "\\n" " "');
    // 0-2 and the descriptor ls opens to list the directory.
    expect(stdout).toBe('0 1 2 3 ');
    const pids = cgroupProcesses(specA, ['agent']);
    const command = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    const targets = (pid: number) =>
      new Map(
        readdirSync(`/proc/${pid}/fd`).map((fd) => [
          Number(fd),
          readlinkSync(`/proc/${pid}/fd/${fd}`),
        ]),
      );
    const agentPid = pids.find((pid) => command(pid) === '/usr/bin/node');
    expect(agentPid).toBeDefined();
    const agentFds = targets(agentPid!);
    expect([agentFds.get(0), agentFds.get(1)]).toEqual(['/dev/null', '/dev/null']);
    expect(agentFds.get(2)).toMatch(/^socket:/);
    expect(agentFds.get(3)).toMatch(/^socket:/);
    // User processes run in the user's cgroups, held to its limits; bwrap and the agent
    // in their own, where no process of the user's uid stays.
    await a.sh('sleep 30 >/dev/null 2>&1 &');
    const uidOf = (pid: number) =>
      Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    const userUid = hostUidOf(specA, host.cellsDir)! + 1000;
    const userPids = cgroupProcesses(specA, ['user']);
    expect(userPids.map(command)).toContain('sleep');
    expect(new Set(userPids.map(uidOf))).toEqual(new Set([userUid]));
    expect(cgroupProcesses(specA, ['agent']).map(uidOf)).not.toContain(userUid);
    // Its only files: the user's cgroup.procs files, to move user processes into.
    const userProcs = ['cpu', 'memory', 'pids'].map((c) => cgroupFile(specA, c, 'cgroup.procs'));
    expect(
      [...agentFds.values()]
        .filter((t) => t.startsWith('/') && !/^\/dev\/(null|ptmx|pts\/)/.test(t))
        .sort(),
    ).toEqual(userProcs.sort());
    // bwrap's pid 1 inside and its monitor outside keep nothing but stdio: every other
    // descriptor is one of their own (close-on-exec), none is inherited.
    const bwraps = pids.filter((pid) => command(pid) === '/usr/bin/bwrap');
    expect(bwraps).toHaveLength(2);
    for (const pid of bwraps) {
      const inherited = [...targets(pid).keys()].filter((fd) => {
        const flags =
          /^flags:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0';
        return (parseInt(flags, 8) & 0o2000000) === 0;
      });
      expect(inherited.sort()).toEqual([0, 1, 2]);
    }
  });

  it('blocks the configured commands however they are invoked; cd and mkdir work', async () => {
    const { stdout, stderr } = await a.sh(`
      chmod 644 /app/x; echo "rc=$?"
      sh -c 'chmod 644 /app/x'; echo "rc=$?"
      /usr/bin/chmod 644 /app/x; echo "rc=$?"
      /bin/chown 1000 /app/x; echo "rc=$?"
      reboot; telnet localhost; curl http://example.com; echo "rc=$?"
      /usr/bin/python3 -c 'import subprocess; print("py", subprocess.run(["chmod", "1", "x"]).returncode)'
      cd /tmp && mkdir -p made/here && cd made/here && pwd`);
    expect(stdout).toContain('rc=126\nrc=126\nrc=126\nrc=126\nrc=126\npy 126\n/tmp/made/here\n');
    for (const name of ['chmod', 'chown', 'reboot', 'telnet', 'curl']) {
      expect(stderr).toContain(`${name}: blocked by workspace policy`);
    }
  });

  it('has python, pip, numpy, pandas and scipy, and venv works in /app', async () => {
    const { stdout, stderr, exitCode } = await a.sh(
      `python -c 'import numpy, pandas, scipy; print("imports", numpy.__version__)'
       python3 --version; pip --version
       python3 -m venv /app/.venv && /app/.venv/bin/python -c 'import sys; print(sys.prefix)'
       /app/.venv/bin/pip --version`,
      120_000,
    );
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(stdout).toMatch(/^imports \d/m);
    expect(stdout).toMatch(/^Python 3\.\d+/m);
    expect(stdout).toMatch(/^pip \d+.*python 3/m);
    expect(stdout).toContain('/app/.venv\n');
    expect(stdout).toMatch(/^pip .* from \/app\/\.venv\//m);
  }, 150_000);

  it('opens a terminal with a prompt', async () => {
    await a.agent.request({ op: 'pty.open', ptyId: 'main', cols: 80, rows: 24 });
    await waitFor(() => a.ptyOutput('main').includes('$ '), 'the prompt');
    await a.agent.request(
      { op: 'pty.input', ptyId: 'main' },
      Buffer.from('tty; echo "home=$HOME"\r'),
    );
    await waitFor(() => a.ptyOutput('main').includes('home=/home/user'), 'the output');
    expect(a.ptyOutput('main')).toContain('/dev/pts/');
  });

  it('installs pip packages for the user outside a venv, into the volume (/usr stays read-only)', async () => {
    // The agent prepares the home when a terminal first opens.
    await a.agent.request({ op: 'pty.open', ptyId: 'pip', cols: 80, rows: 24 });
    await waitFor(() => a.ptyOutput('pip').includes('$ '), 'the prompt');
    const { stdout, exitCode } = await a.sh(
      `mkdir -p /app/hello/hello && echo 'X = 1' > /app/hello/hello/__init__.py
       printf '[build-system]\\nrequires = ["setuptools"]\\nbuild-backend = "setuptools.build_meta"\\n[project]\\nname = "hello"\\nversion = "1.0"\\n' > /app/hello/pyproject.toml
       pip install --quiet --no-index --no-build-isolation /app/hello && python -c 'import hello; print(hello.__file__)'`,
      120_000,
    );
    expect(exitCode).toBe(0);
    // Not the home (a tmpfs): the volume outlives the cell.
    expect(stdout).toMatch(
      /^\/app\/\.local\/lib\/python3\.\d+\/site-packages\/hello\/__init__\.py$/m,
    );
  }, 150_000);
});

describe('limits', () => {
  let cell: TestCell;
  let spec: CellSpec;

  beforeAll(async () => {
    spec = testSpec('limits', { tmpBytes: 32 * MiB, diskBytes: 64 * MiB });
    cell = await startTestCell(driver, spec);
  });

  afterAll(async () => {
    await cell.cell.stop();
  });

  it('kills a 1 GiB allocation at the memory limit, reports it, and the cell carries on', async () => {
    const result = await cell.sh('/usr/bin/python3 -c "b = bytearray(1 << 30)"', 60_000);
    expect(String(result.signal ?? result.exitCode)).toMatch(/SIGKILL|137/);
    expect(await cell.cell.takeLimitEvents()).toContainEqual({
      kind: 'memory',
      message: 'killed: memory limit 512 MiB',
    });
    expect((await cell.sh('echo alive')).stdout).toBe('alive\n');
  }, 90_000);

  it('contains a fork bomb; the host stays responsive and the cell answers afterwards', async () => {
    const bomb = cell.sh('f() { f | f & }; f; sleep 30', 8_000);
    await waitFor(
      async () => (await cell.cell.takeLimitEvents()).some((e) => e.kind === 'pids'),
      'the pids limit',
    );
    const started = spawnSync('/bin/true', { timeout: 10_000 });
    expect(started.status).toBe(0);
    await bomb;
    const answer = await waitFor(
      async () => (await cell.sh('echo alive', 5_000).catch(() => undefined))?.stdout === 'alive\n',
      'the cell to answer',
      30_000,
    );
    expect(answer).toBe(true);
  }, 60_000);

  it('holds the cell to half a core', async () => {
    const throttled = () =>
      Number(
        /^nr_throttled (\d+)/m.exec(readFileSync(cgroupFile(spec, 'cpu', 'cpu.stat'), 'utf8'))?.[1],
      );
    const before = throttled();
    // Two busy processes for 1.5 s: CPU time over wall time is the share the cell got.
    const { stdout } = await cell.sh(`/usr/bin/python3 - <<'EOF'
import os, time
start = time.monotonic()
for _ in range(2):
    if os.fork() == 0:
        while time.monotonic() - start < 1.5: pass
        os._exit(0)
for _ in range(2): os.wait()
t = os.times()
print((t.children_user + t.children_system) / (time.monotonic() - start))
EOF`);
    expect(Number(stdout)).toBeLessThan(0.65);
    expect(throttled()).toBeGreaterThan(before);
  });

  it('stops writes to /tmp at its cap', async () => {
    const { stdout, stderr } = await cell.sh(
      'head -c 64M /dev/zero > /tmp/fill; stat -c %s /tmp/fill; rm /tmp/fill',
    );
    expect(stderr).toContain('No space left on device');
    expect(Number(stdout)).toBeLessThanOrEqual(32 * MiB);
  });

  it('stops /app at its disk quota and reports it', async () => {
    const { stdout, stderr } = await cell.sh(
      'head -c 100M /dev/zero > /app/fill; df -m /app | tail -1',
    );
    expect(stderr).toContain('No space left on device');
    const size = Number(stdout.trim().split(/\s+/)[1]);
    expect(size).toBeGreaterThan(40);
    expect(size).toBeLessThanOrEqual(64);
    expect(await cell.cell.takeLimitEvents()).toContainEqual({
      kind: 'disk',
      message: 'disk full: workspace quota 64 MiB reached',
    });
    await cell.sh('rm /app/fill');
  });
});

describe('lifecycle', () => {
  it('stop() leaves no processes, cgroups, mounts or loop devices; the volume is kept', async () => {
    const spec = testSpec('life');
    const first = await startTestCell(driver, spec);
    await first.sh('echo kept > /app/file.txt; sleep 1000 & sleep 1000 &');
    expect(leftovers(spec).processes.length).toBeGreaterThan(3);
    // The volume is the cell's own mount (its quota holds), held by a loop device, and not
    // in the host's mount table, which every new sandbox would copy.
    expect((await first.sh('stat -f -c %T /app')).stdout).toBe('ext2/ext3\n');
    expect(leftovers(spec)).toMatchObject({ mounted: false, loops: [expect.any(String)] });
    await first.cell.stop();
    expect(await first.cell.exited).toEqual({ reason: 'stopped' });
    expect(leftovers(spec)).toEqual(NOTHING);
    await first.cell.stop();

    const second = await startTestCell(driver, spec);
    expect((await second.sh('cat /app/file.txt')).stdout).toBe('kept\n');
    await second.agent.request({ op: 'shutdown' }).catch(() => undefined);
    expect((await second.cell.exited).reason).toMatch(/^the agent exited with code 0/);
    // When the agent exits by itself, bwrap's monitor exits on its status without reaping
    // the sandbox's pid 1, whose zombie goes to the host's init to reap.
    await waitFor(() => leftovers(spec).processes.length === 0, "init to reap the sandbox's pid 1");
    expect(leftovers(spec)).toEqual(NOTHING);
  });

  it('repairs a volume that a crash left unreadable, once, and keeps its files', async () => {
    const spec = testSpec('repair');
    const first = await startTestCell(driver, spec);
    await first.sh('echo kept > /app/file.txt');
    await first.cell.stop();
    // The primary superblock gone, as a crash mid-write may leave it: mount refuses the
    // image, and e2fsck rebuilds it from a backup.
    const image = await open(join(host.cellsDir, spec.workspaceId, 'app.ext4'), 'r+');
    await image.write(Buffer.alloc(1024), 0, 1024, 1024);
    await image.close();
    const second = await startTestCell(driver, spec);
    expect((await second.sh('cat /app/file.txt')).stdout).toBe('kept\n');
    await second.cell.stop();
    expect(leftovers(spec)).toEqual(NOTHING);
  });

  it('grows a kept volume when the disk quota grows', async () => {
    const spec = testSpec('grow', { diskBytes: 48 * MiB });
    const size = async (cell: TestCell) =>
      Number((await cell.sh('df -m --output=size /app | tail -1')).stdout.trim());
    const small = await startTestCell(driver, spec);
    await small.sh('echo kept > /app/file.txt');
    expect(await size(small)).toBeLessThanOrEqual(48);
    await small.cell.stop();
    const large = await startTestCell(driver, {
      ...spec,
      limits: { ...spec.limits, diskBytes: 96 * MiB },
    });
    expect(await size(large)).toBeGreaterThan(80);
    expect((await large.sh('cat /app/file.txt')).stdout).toBe('kept\n');
    await large.cell.stop();
  });

  it('cleans up after a server killed with SIGKILL: the cell dies, the sweep removes the rest', async () => {
    const spec = testSpec('orphan');
    const stray = join(host.dir, 'stray-descriptor');
    await writeFile(stray, 'the server must not leak this to a cell');
    const strayFd = openSync(stray, 'r');
    const server = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('orphan-fixture.ts', import.meta.url)),
        host.cellsDir,
        host.cgroupParent,
        spec.workspaceId,
      ],
      { stdio: ['ignore', 'pipe', 'inherit', strayFd] },
    );
    closeSync(strayFd);
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('ready'), 'the fixture server to start its cell', 30_000);

    const pids = cgroupProcesses(spec);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    for (const pid of pids) {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        expect(readlinkSync(`/proc/${pid}/fd/${fd}`)).not.toBe(stray);
      }
    }

    server.kill('SIGKILL');
    await waitFor(() => cgroupProcesses(spec).length === 0, 'the orphaned cell to die');
    // The volume's mount goes with the cell's mount namespace; its cgroups and marker stay.
    await waitFor(() => leftovers(spec).loops.length === 0, 'the loop device to be released');
    expect(leftovers(spec)).toMatchObject({ mounted: false, marked: true });
    expect(leftovers(spec).cgroups.length).toBeGreaterThan(0);

    const fresh = host.driver();
    const swept = await fresh.sweepOrphans(new Set(['some-other-workspace']));
    expect(swept).toContain(spec.workspaceId);
    // The dead server's children were orphaned: their zombies are the host init's to reap.
    await waitFor(() => leftovers(spec).processes.length === 0, 'init to reap the orphans');
    expect(leftovers(spec)).toEqual(NOTHING);
  });

  it('reports why a sandbox failed to start, and leaves nothing behind', async () => {
    const broken = host.driver({
      agent: () =>
        Promise.resolve({
          dist: '/nonexistent/dist',
          nodeModules: '/nonexistent',
          node: process.execPath,
        }),
    });
    const spec = testSpec('broken');
    await expect(broken.start(spec)).rejects.toThrow(/nonexistent\/dist/);
    expect(leftovers(spec)).toEqual(NOTHING);
  });

  it('leaves alone the cells of another cells directory that shares the cgroup parent', async () => {
    const spec = testSpec('mine');
    const cell = await startTestCell(driver, spec);
    const neighbour = host.driver({ cellsDir: join(host.dir, 'neighbour-cells') });
    expect(await neighbour.sweepOrphans(new Set())).toEqual([]);
    expect((await cell.sh('echo alive')).stdout).toBe('alive\n');
    await cell.cell.stop();
    expect(leftovers(spec)).toEqual(NOTHING);
  });

  it('refuses to start a cell when isolation is impossible, naming what is missing', async () => {
    const broken = host.driver({ tools: { bwrap: '/nonexistent/bwrap' } });
    const report = await broken.probe();
    expect(report.usable).toBe(false);
    expect(formatIsolationReport(report)).toMatch(/missing\s+bubblewrap/);
    const error: unknown = await broken.start(testSpec('never')).catch((e: unknown) => e);
    expect(isWorkcellError(error) && error.code).toBe('ISOLATION_UNAVAILABLE');
    expect((error as Error).message).toContain('bubblewrap');
  });

  // On a hybrid host (like this one); on a pure v2 host every other test runs v2 for real.
  it.skipIf(!existsSync('/sys/fs/cgroup/unified/cgroup.procs'))(
    'runs the cgroup v2 path on the unified hierarchy (kill, cleanup; no limits there)',
    async () => {
      const v2 = host.driver({ cgroupVersion: 2, cgroupParent: `${host.cgroupParent}-v2` });
      const report = await v2.probe();
      expect(report.features.find((f) => f.name === 'cgroups')?.detail).toMatch(
        /^v2: .*unified.*cgroup\.kill/,
      );
      expect(report.features.find((f) => f.name === 'memory limit')?.ok).toBe(false);
      const spec = testSpec('v2');
      const cell = await startTestCell(v2, spec);
      await cell.sh('sleep 1000 & sleep 1000 &');
      const procs = (name: string) =>
        readFileSync(
          join('/sys/fs/cgroup/unified', `${host.cgroupParent}-v2`, name, 'cgroup.procs'),
          'utf8',
        )
          .trim()
          .split('\n');
      const [user, agent] = cgroupNames(spec);
      // The two sleeps moved into the user's cgroup; bwrap, pid 1 and the agent in their own.
      expect(procs(user!)).toHaveLength(2);
      expect(procs(agent!).length).toBeGreaterThanOrEqual(3);
      await cell.cell.stop();
      expect(leftovers(spec, host.cellsDir, `${host.cgroupParent}-v2`)).toEqual(NOTHING);
    },
  );

  it('returns a started cell only once its volume is mounted, however long the mount takes', async () => {
    // The volume is mounted beside the agent's start: a mount slower than the agent must
    // still come before the cell is handed out, or user code would find no /app.
    const slowMount = join(host.dir, 'slow-mount');
    await writeFile(
      slowMount,
      '#!/bin/sh\ncase "$*" in *loop*) sleep 1 ;; esac\nexec /usr/bin/mount "$@"\n',
      {
        mode: 0o755,
      },
    );
    const slow = host.driver({ tools: { mount: slowMount } });
    await slow.probe();
    const spec = testSpec('slow-mount');
    const cell = await startTestCell(slow, spec);
    expect((await cell.sh('stat -f -c %T /app')).stdout).toBe('ext2/ext3\n');
    await cell.cell.stop();
    expect(leftovers(spec)).toEqual(NOTHING);
  });

  it('degrades to a plain directory without a disk quota where loop mounts fail', async () => {
    const plain = host.driver({ tools: { mkfs: '/nonexistent/mkfs.ext4' } });
    const report = await plain.probe();
    expect(report.usable).toBe(true);
    expect(report.features.find((f) => f.name === 'disk quota')).toMatchObject({
      ok: false,
      required: false,
    });
    expect(formatIsolationReport(report)).toMatch(/degraded\s+disk quota/);
    const spec = testSpec('plain');
    const cell = await startTestCell(plain, spec);
    expect((await cell.sh('echo hi > /app/x && stat -c %u /app/x')).stdout).toBe('1000\n');
    await cell.cell.stop();
    expect(leftovers(spec)).toEqual(NOTHING);
  });
});
