import { readdirSync, readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { PYTHON, startAgent, waitFor, type TestAgent } from './test-support';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startAgent();
});
afterAll(async () => {
  await agent.stop();
});

const run = (
  argv: string[],
  options: { stdin?: string; timeoutMs?: number; maxOutputBytes?: number; execId?: string } = {},
) =>
  agent.call(
    'exec.run',
    {
      execId: options.execId ?? 'e',
      argv,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxOutputBytes: options.maxOutputBytes ?? 1 << 20,
    },
    Buffer.from(options.stdin ?? ''),
  );

const split = ({ result, body }: Awaited<ReturnType<typeof run>>) => ({
  stdout: body.subarray(0, result.stdoutBytes).toString(),
  stderr: body.subarray(result.stdoutBytes).toString(),
});

/** Processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('exec', () => {
  test('stdin in, stdout and stderr out, exit code', async () => {
    const echo = await run(['/bin/cat'], { stdin: 'hello\n' });
    expect(echo.result).toMatchObject({ exitCode: 0, signal: null, timedOut: false });
    expect(split(echo).stdout).toBe('hello\n');
    const failing = await run(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(failing.result).toMatchObject({ exitCode: 3, stdoutBytes: 4, stderrBytes: 4 });
    expect(split(failing)).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    const missing = await run(['no-such-command-xyz']);
    expect(missing.result.exitCode).toBe(127);
    expect(split(missing).stderr).toContain('no-such-command-xyz');
  });

  test('runs as the cell user with the user environment, in a chosen folder', async () => {
    await agent.call('fs.mkdir', { path: 'sub/dir' });
    const { result, body } = await agent.call('exec.run', {
      execId: 'env',
      argv: ['/bin/sh', '-c', 'id -u; pwd; env'],
      cwd: 'sub/dir',
      env: { EXTRA: 'yes' },
      timeoutMs: 10_000,
      maxOutputBytes: 1 << 16,
    });
    const [uid, cwd, ...env] = body.subarray(0, result.stdoutBytes).toString().split('\n');
    if (process.getuid?.() === 0) expect(uid).toBe('1000');
    expect(cwd).toBe(`${agent.root}/sub/dir`);
    expect(env).toEqual(expect.arrayContaining(['OMP_NUM_THREADS=1', 'EXTRA=yes']));
    expect(env.filter((line) => line.startsWith('WORKCELL_'))).toEqual([]);
    const noDir = await agent.request('exec.run', {
      execId: 'x',
      argv: ['/bin/true'],
      cwd: 'absent',
      timeoutMs: 1000,
      maxOutputBytes: 0,
    });
    expect(noDir).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND' } });
  });

  test('a timeout kills the whole process group and says so', async () => {
    const { result } = await run(['/bin/sh', '-c', `sleep 101 & ${PYTHON} -c 'while True: pass'`], {
      timeoutMs: 700,
    });
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: true });
    expect(result.wallMs).toBeGreaterThanOrEqual(700);
    expect(result.cpuMs).toBeGreaterThan(0);
    await waitFor(
      () => processesWith('sleep\u0000101').length === 0,
      'the background sleep to die',
    );
  });

  test('output beyond the limit is cut but drained, so the process finishes', async () => {
    const { result, body } = await run(
      [PYTHON, '-c', 'import sys; sys.stdout.write("x" * 3_000_000)'],
      {
        maxOutputBytes: 1000,
      },
    );
    expect(result).toMatchObject({
      exitCode: 0,
      stdoutBytes: 1000,
      stdoutTruncated: true,
      stderrTruncated: false,
    });
    expect(body.toString()).toBe('x'.repeat(1000));
  });

  test('peak memory and CPU come from wait4', async () => {
    const { result } = await run([PYTHON, '-c', 'b = bytearray(64 << 20); sum(range(3_000_000))']);
    expect(result.exitCode).toBe(0);
    expect(result.peakMemoryBytes).toBeGreaterThan(64 << 20);
    expect(result.peakMemoryBytes).toBeLessThan(1 << 30);
    expect(result.cpuMs).toBeGreaterThan(0);
  });

  test('exec.kill stops a running process; stats see it while it runs', async () => {
    const running = run(['/bin/sh', '-c', 'sleep 102'], { execId: 'long' });
    await waitFor(() => processesWith('sleep\u0000102').length > 0, 'sleep to start');
    const { result: stats } = await agent.call('stats', {});
    expect(stats.userProcesses).toBeGreaterThanOrEqual(1);
    expect(stats.processes).toBeGreaterThanOrEqual(3);
    expect(stats.memoryBytes).toBeGreaterThan(10 << 20);
    expect(stats.cpuMs).toBeGreaterThan(0);
    expect(
      await agent.request('exec.run', {
        execId: 'long',
        argv: ['/bin/true'],
        timeoutMs: 1000,
        maxOutputBytes: 0,
      }),
    ).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
    await agent.call('exec.kill', { execId: 'long' });
    const { result } = await running;
    expect(result).toMatchObject({ signal: 'SIGKILL', timedOut: false });
    const idle = await agent.call('stats', {});
    expect(idle.result.userProcesses).toBe(0);
    expect(await agent.request('exec.kill', { execId: 'long' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });
});
