/**
 * The cell image, built for real and run with podman the way a cell runtime would: no
 * network, only the agent's capabilities, a read-only root, and the agent's channel on
 * descriptor 3 — a socketpair, as the local driver hands it (cells/local/launch.ts). The
 * server's own AgentClient speaks to it.
 *
 * Opt-in (WORKCELL_IMAGE_TESTS=1): it needs root and podman, and the first build downloads
 * Debian and npm packages (several minutes; see deploy/images/README.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AgentClient } from '../../packages/server/src/cells/agent-client';
import { AGENT_CAPS } from '../../packages/server/src/cells/local/profile';

const enabled = process.env.WORKCELL_IMAGE_TESTS === '1';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tag = 'image-test';
const image = `localhost/workcell-cell:${tag}`;
const BUILD_TIMEOUT_MS = 60 * 60_000;

/** As scripts/build-images.sh chooses: crun refuses hybrid cgroups, runc takes them. */
function ociRuntime(): string {
  try {
    return readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim()
      ? 'runc'
      : 'crun';
  } catch {
    return 'crun';
  }
}

/** Runs a command to its end; rejects with the tail of its output if it fails. */
function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-64 * 1024));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')}: ${signal ?? code}\n${output}`));
    });
  });
}

describe.skipIf(!enabled)('the cell image (opt-in: set WORKCELL_IMAGE_TESTS=1)', () => {
  const name = `workcell-image-test-${randomUUID().slice(0, 8)}`;
  let container: ChildProcess | undefined;
  let agent: AgentClient;
  let containerOutput = '';
  let execs = 0;

  beforeAll(async () => {
    await run(
      'bash',
      ['scripts/build-images.sh', '--only', 'cell', '--tag', tag],
      BUILD_TIMEOUT_MS,
    );
    container = spawn(
      'podman',
      [
        `--runtime=${ociRuntime()}`,
        'run',
        '--rm',
        `--name=${name}`,
        '--network=none',
        '--cap-drop=all',
        ...AGENT_CAPS.map((cap) => `--cap-add=${cap}`),
        '--security-opt=no-new-privileges',
        '--read-only',
        '--tmpfs=/tmp:rw,size=128m,mode=1777',
        '--tmpfs=/home:rw,size=16m,mode=0755',
        // An anonymous volume starts as a copy of the image's /app, owned by the user.
        '--volume=/app',
        // podman's default limits (1,048,576 descriptors) need CAP_SYS_RESOURCE to set,
        // which root lacks on some hosts (this project's test machines among them).
        '--ulimit=nofile=4096:4096',
        '--ulimit=nproc=4096:4096',
        // Descriptor 3 of podman (the socketpair below) becomes the agent's descriptor 3.
        '--preserve-fds=1',
        image,
      ],
      { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const collect = (chunk: Buffer) =>
      (containerOutput = (containerOutput + chunk.toString()).slice(-16 * 1024));
    container.stdout?.on('data', collect);
    container.stderr?.on('data', collect);
    agent = new AgentClient(container.stdio[3] as Socket);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    agent.dispose();
    if (container && container.exitCode === null) {
      const exited = new Promise((resolve) => container?.once('exit', resolve));
      await run('podman', ['rm', '--force', '--time=1', name], 30_000).catch(() => undefined);
      await exited;
    }
  });

  async function exec(argv: string[], stdin = '') {
    const { result, body } = await agent.request(
      {
        op: 'exec.run',
        execId: `image-test-${++execs}`,
        argv,
        timeoutMs: 60_000,
        maxOutputBytes: 64 * 1024,
      },
      Buffer.from(stdin),
      70_000,
    );
    const stdout = body.subarray(0, result.stdoutBytes).toString();
    const stderr = body.subarray(result.stdoutBytes).toString();
    return { exitCode: result.exitCode, stdout, stderr };
  }

  it('starts the agent, which answers ready from its code cache', async () => {
    const ready = await agent.waitReady(60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\ncontainer output:\n${containerOutput}`);
    });
    expect(ready.startup?.codeCache).toBe(true);
  });

  it('runs Python 3.11 with numpy, pandas and scipy', async () => {
    const result = await exec([
      'python3',
      '-c',
      'import sys, numpy, pandas, scipy; print(sys.version.split()[0], numpy.__version__, pandas.__version__, scipy.__version__)',
    ]);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(result.stdout).toMatch(/^3\.11\.\d+ \d+\.\d+\.\d+ \d+\.\d+\.\d+ \d+\.\d+\.\d+\n$/);
    const venv = await exec(['python3', '-m', 'venv', '--without-pip', '/tmp/venv']);
    expect(venv.exitCode).toBe(0);
  });

  it("has black and isort for the editor's Format Document and Organize Imports", async () => {
    const black = await exec(['black', '-q', '-'], 'x=1\n');
    expect(black).toMatchObject({ exitCode: 0, stdout: 'x = 1\n' });
    const isort = await exec(['isort', '-q', '-'], 'import sys\nimport os\n');
    expect(isort).toMatchObject({ exitCode: 0, stdout: 'import os\nimport sys\n' });
  });

  it('runs user code as uid 1000 in /app, with no capabilities', async () => {
    const result = await exec(['sh', '-c', 'id; pwd; grep -E "^Cap(Eff|Bnd)" /proc/self/status']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      'uid=1000(user) gid=1000(user) groups=1000(user)\n/app\n' +
        'CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n',
    );
  });

  it('answers blocked commands with 126, whether the image has them or not', async () => {
    for (const command of ['chmod', 'sudo', 'curl', 'mount']) {
      const result = await exec([command, '--help']);
      expect(result).toEqual({
        exitCode: 126,
        stdout: '',
        stderr: `${command}: blocked by workspace policy\n`,
      });
    }
  });

  it('holds pyright at /opt/pyright, without source maps', async () => {
    const result = await exec([
      'python3',
      '-c',
      'import os; print(os.path.isfile("/opt/pyright/langserver.index.js"), any(f.endswith(".map") for _, _, fs in os.walk("/opt/pyright") for f in fs))',
    ]);
    expect(result.stdout).toBe('True False\n');
  });

  it('reaps what user code orphans', async () => {
    await exec(['sh', '-c', 'sleep 0.2 & exit 0']);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const zombies = await exec([
      'python3',
      '-c',
      'import glob; print(sum(open(f).read().rsplit(")", 1)[1].split()[0] == "Z" for f in glob.glob("/proc/[0-9]*/stat")))',
    ]);
    expect(zombies.stdout).toBe('0\n');
  });
});
