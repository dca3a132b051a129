/**
 * The run API through the real server: real cells (bubblewrap, cgroups), PGlite.
 * Isolation itself is the local driver's tests' subject; here, what a user of the run
 * API sees.
 */
import { dirname } from 'node:path';

import { agentDistDir } from '@workcell/agent';
import type { Workspace } from '@workcell/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  expectError,
  openTestDatabase,
  registerUser,
  type TestDatabase,
  type TestUser,
} from '../test-support/api-harness';
import {
  createCellTestEnv,
  python,
  run,
  saveFile,
  shutdownCell,
  type CellTestApp,
  type CellTestEnv,
} from '../test-support/cell-harness';

let env: CellTestEnv;
let database: TestDatabase;
let main: CellTestApp;
let user: TestUser;
let workspace: Workspace;

beforeAll(async () => {
  env = await createCellTestEnv('run');
  database = await openTestDatabase('pglite');
  // Small output cap: a test prints past it.
  main = await env.buildApp(database.handle, { RUN_MAX_OUTPUT_BYTES: '4096' });
  user = await registerUser(main.app, 'runner');
  workspace = await createWorkspace(main.app, user, 'Runs');
});

afterAll(async () => {
  await env.dispose();
  await database.close();
});

/** Generous: cells run at half a core, and CI machines are busy. */
const TEST_TIMEOUT_MS = 120_000;

describe('POST /api/workspace/{uuid}/run', { timeout: TEST_TIMEOUT_MS }, () => {
  it('runs the starter script.py: it greets and numpy works', async () => {
    const result = await run(main.app, user, workspace.uuid, { path: 'script.py' });
    expect(result).toMatchObject({
      stdout: [
        'Hello from Workcell!',
        'Squares of 1..5: [1, 4, 9, 16, 25] (sum 55)',
        'Their mean: 11.0',
        'A matrix product, A @ B:',
        '[[2 1]',
        ' [4 3]]',
        '',
      ].join('\n'),
      stderr: '',
      exitCode: 0,
      signal: null,
      timedOut: false,
      stdoutTruncated: false,
      stderrTruncated: false,
      killedBy: null,
    });
    expect(result.wallMs).toBeGreaterThan(0);
    expect(result.peakMemoryBytes).toBeGreaterThan(1024 * 1024);
  });

  it("runs the pandas-csv template's analysis.py: pandas reads data/sales.csv", async () => {
    const sales = await createWorkspace(main.app, user, 'Sales', 'pandas-csv');
    const result = await run(main.app, user, sales.uuid, { path: 'analysis.py' });
    expect(result, result.stderr).toMatchObject({ exitCode: 0, stderr: '', timedOut: false });
    expect(result.stdout).toMatch(/^20 sales from 03 Jan 2024 to 30 Jan 2024$/m);
    expect(result.stdout).toMatch(/^Revenue by region:\n\s+units\s+revenue\n/m);
    expect(result.stdout).toMatch(/^East\s+41\s+365\.0$/m);
    expect(result.stdout).toMatch(/^product\s+Gadget\s+Gizmo\s+Widget$/m);
    await shutdownCell(main.app, user, sales.uuid);
  });

  it('runs code with stdin', async () => {
    const result = await run(main.app, user, workspace.uuid, {
      code: 'import sys\nlines = sys.stdin.read().splitlines()\nprint(len(lines), lines[-1].upper())',
      stdin: 'first\nsecond\nthird\n',
    });
    expect(result).toMatchObject({ stdout: '3 THIRD\n', exitCode: 0 });
  });

  it('reports the exit code and stderr of a failing script', async () => {
    const result = await run(main.app, user, workspace.uuid, {
      code: 'import sys\nprint("partial")\nsys.stderr.write("something broke\\n")\nsys.exit(3)',
    });
    expect(result).toMatchObject({
      stdout: 'partial\n',
      stderr: 'something broke\n',
      exitCode: 3,
      signal: null,
      timedOut: false,
    });

    const crashed = await run(main.app, user, workspace.uuid, { code: '1 / 0' });
    expect(crashed.exitCode).toBe(1);
    expect(crashed.stderr).toMatch(/ZeroDivisionError: division by zero/);
  });

  it('kills a `while True: pass` loop at the timeout, and the cell answers the next run', async () => {
    const result = await run(main.app, user, workspace.uuid, {
      code: 'print("spinning", flush=True)\nwhile True: pass',
      timeoutMs: 1000,
    });
    expect(result).toMatchObject({
      stdout: 'spinning\n',
      timedOut: true,
      exitCode: null,
      signal: 'SIGKILL',
      killedBy: null,
    });
    expect(result.wallMs).toBeGreaterThanOrEqual(1000);
    // Killed soon after the timeout, not when the loop would have ended (never).
    expect(result.wallMs).toBeLessThan(15_000);
    expect(result.cpuMs).toBeGreaterThan(0);

    expect(await python(main.app, user, workspace.uuid, 'print("still here")')).toBe(
      'still here\n',
    );
  });

  it('kills a background child of a timed-out run too', async () => {
    const result = await run(main.app, user, workspace.uuid, {
      code: [
        'import subprocess, time',
        'subprocess.Popen(["python3", "-c", "import time\\nwhile True: time.sleep(0.05)", "marker-child"])',
        'while True: time.sleep(0.05)',
      ].join('\n'),
      timeoutMs: 1000,
    });
    expect(result.timedOut).toBe(true);
    // The marker is spelled differently here, so this check does not find itself.
    const survivors = await python(
      main.app,
      user,
      workspace.uuid,
      [
        'import os',
        'marker = b"marker" + b"-child"',
        'found = []',
        'for pid in filter(str.isdigit, os.listdir("/proc")):',
        '    try: cmd = open(f"/proc/{pid}/cmdline", "rb").read()',
        '    except OSError: continue',
        '    if marker in cmd: found.append(pid)',
        'print(len(found))',
      ].join('\n'),
    );
    expect(survivors).toBe('0\n');
  });

  it('caps output at RUN_MAX_OUTPUT_BYTES and says so', async () => {
    const result = await run(main.app, user, workspace.uuid, {
      code: 'import sys\nprint("x" * 100_000)\nsys.stderr.write("e" * 10)',
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('x'.repeat(4096));
    expect(result.stdoutTruncated).toBe(true);
    expect(result.stderr).toBe('e'.repeat(10));
    expect(result.stderrTruncated).toBe(false);
  });

  it('reports a 1 GiB allocation as killed by the memory limit, and the next run works', async () => {
    const result = await run(main.app, user, workspace.uuid, {
      code: 'print("allocating", flush=True)\nblock = bytearray(1 << 30)\nprint("survived")',
    });
    expect(result).toMatchObject({
      stdout: 'allocating\n',
      exitCode: null,
      signal: 'SIGKILL',
      timedOut: false,
    });
    expect(result.killedBy).toMatch(/memory limit/);
    expect(result.killedBy).toContain('512 MiB');

    const next = await run(main.app, user, workspace.uuid, { code: 'print(sum(range(10)))' });
    expect(next).toMatchObject({ stdout: '45\n', exitCode: 0, killedBy: null });
  });

  it('refuses malformed requests with 400', async () => {
    const post = (payload: Record<string, unknown>) =>
      main.app.inject({
        method: 'POST',
        url: `/api/workspace/${workspace.uuid}/run`,
        headers: bearer(user),
        payload,
      });
    expectError(await post({ path: 'script.py', code: 'print(1)' }), 400, 'VALIDATION_FAILED');
    expectError(await post({}), 400, 'VALIDATION_FAILED');
    expectError(await post({ code: 'print(1)', timeoutMs: 0 }), 400, 'VALIDATION_FAILED');
    expectError(await post({ path: '../etc/passwd' }), 400, 'INVALID_PATH');
    expectError(await post({ path: '/app/../../etc/shadow' }), 400, 'INVALID_PATH');
  });

  it('runs what was saved just before: save → run sees the new content', async () => {
    for (const greeting of ['first', 'second', 'third']) {
      await saveFile(main.app, user, workspace.uuid, 'pkg/greet.py', `WORD = "${greeting}"\n`);
      await saveFile(
        main.app,
        user,
        workspace.uuid,
        'main.py',
        `from pkg.greet import WORD\nprint("main says", WORD)\n`,
      );
      const result = await run(main.app, user, workspace.uuid, { path: 'main.py' });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(`main says ${greeting}\n`);
    }
  });

  it('runs several requests of one workspace at once', async () => {
    // A save in flight holds the runs at the sync queue, so they set off in the same moment.
    for (const round of [1, 2]) {
      const [, ...results] = await Promise.all([
        saveFile(main.app, user, workspace.uuid, `big-${round}.txt`, 'y'.repeat(1_000_000)),
        ...[1, 2, 3, 4].map((n) =>
          run(main.app, user, workspace.uuid, { code: `print(${round * 10 + n})` }),
        ),
      ]);
      expect(results.map((r) => r.stdout)).toEqual([1, 2, 3, 4].map((n) => `${round * 10 + n}\n`));
    }
  });

  it("runs a missing file as python3 would: exit 2 and Python's message", async () => {
    const result = await run(main.app, user, workspace.uuid, { path: 'nope.py' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/can't open file .*nope\.py/);
  });

  it('runs user code with every capability set empty', async () => {
    const result = await run(main.app, user, workspace.uuid, {
      code: 'print("".join(l for l in open("/proc/self/status") if l.startswith("Cap")), end="")',
    });
    expect(result.stdout.trim().split('\n')).toEqual(
      ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'].map((set) => `${set}:\t0000000000000000`),
    );
  });

  it('reports the run’s own exit status, whatever user code does to its launcher', async () => {
    // The launcher reporting the status is the run's parent: write a forged report to its
    // pipe, then try to kill it, then exit 3.
    const result = await run(main.app, user, workspace.uuid, {
      code: [
        'import os, signal',
        'launcher = os.getppid()',
        'for attempt in (',
        '    lambda: open(f"/proc/{launcher}/fd/3", "w").write(\'{"exitCode": 0, "signal": null, "cpuMs": 0, "peakMemoryBytes": 0}\\n\'),',
        '    lambda: os.kill(launcher, signal.SIGKILL),',
        '):',
        '    try:',
        '        attempt()',
        '        print("reached the launcher")',
        '    except OSError as error:',
        '        print(type(error).__name__)',
        'raise SystemExit(3)',
      ].join('\n'),
    });
    expect(result.stdout).toBe('PermissionError\nPermissionError\n');
    expect(result.exitCode).toBe(3);
  });

  it('shows no host path but the system’s own (/usr, /etc) in the cell’s mount table', async () => {
    const hostPaths = [dirname(env.host.cellsDir), agentDistDir()];
    // Checked in the cell: the table is longer than this file's output cap.
    const result = await run(main.app, user, workspace.uuid, {
      code: [
        'table = [line.split() for line in open("/proc/self/mountinfo").read().splitlines()]',
        `print([path for path in ${JSON.stringify(hostPaths)} if any(path in " ".join(line) for line in table)])`,
        // bwrap's own tmpfs files, /proc and the /dev nodes are not host folders.
        'own = ("tmpfs", "devtmpfs", "proc", "mqueue", "devpts")',
        'system = ("/usr", "/etc/")',
        'print([(line[4], line[3]) for line in table if line[line.index("-") + 1] not in own and line[3] != "/" and not line[3].startswith(system)])',
        'print(sorted({(line[4], line[3]) for line in table if line[4] in ("/app", "/opt")}))',
      ].join('\n'),
    });
    // The workspace and /opt are filesystems of their own, mounted from their roots (the
    // workspace on the small tmpfs it was mounted on while the agent started).
    expect(result.stdout).toBe("[]\n[]\n[('/app', '/'), ('/opt', '/')]\n");
  });
});
