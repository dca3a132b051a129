/**
 * Run terminals: `terminal.open` with `run` runs a workspace file with Python in its own
 * PTY, which ends with the program; `terminal.stop` ends it, escalating to SIGKILL for
 * the processes that ignore SIGINT, children included.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { plain, type WsClient } from '../test-support/ws-client';

let server: LiveServer;
let user: LiveUser;
let workspace: string;
let client: WsClient;

beforeAll(async () => {
  server = await startLiveServer('ws-run');
  user = await server.registerUser('runner');
  workspace = await server.createWorkspace(user);
  client = await server.connect(user);
  // The cell runs from here on, so each save below reaches it before its reply.
  await client.open(workspace);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

async function save(path: string, content: string): Promise<void> {
  const saved = await server.api(user, 'POST', `/api/workspace/${workspace}/file/${path}`, {
    content,
  });
  expect(saved.status).toBe(201);
}

async function run(path: string, args: string[] = [], env: Record<string, string> = {}) {
  const from = client.mark();
  const terminal = await client.open(workspace, { run: { path, args, env } });
  const exited = () => client.next('terminal.exit', (m) => m.terminalId === terminal.id, from);
  return { terminal, exited };
}

/** Host processes whose command line holds `tag` (the cell's processes are the host's too). */
function processesWith(tag: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(tag)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('a run terminal', () => {
  it(
    'shows the program output and exits with its code and duration',
    { timeout: 60_000 },
    async () => {
      await save(
        'pkg/fail.py',
        'import sys, time\nprint("hello from run")\ntime.sleep(0.3)\nsys.exit(3)\n',
      );
      const { terminal, exited } = await run('pkg/fail.py');
      expect(terminal.id).toMatch(/^run-/);
      const exit = await exited();
      expect(exit.code).toBe(3);
      expect(exit.signal).toBeNull();
      expect(exit.durationMs).toBeGreaterThanOrEqual(300);
      expect(plain(terminal.textSince())).toContain('hello from run');
    },
  );

  it(
    'passes the arguments and environment variables; tracebacks name /app paths',
    { timeout: 60_000 },
    async () => {
      await save(
        'show.py',
        'import os, sys\nprint("args", sys.argv[1:])\nprint("env", os.environ["GREETING"], os.environ["HOME"] != "")\nraise ValueError("boom")\n',
      );
      const { terminal, exited } = await run('show.py', ['one', 'two words', '--flag'], {
        GREETING: 'hi there',
      });
      expect((await exited()).code).toBe(1);
      const text = plain(terminal.textSince());
      expect(text).toContain("args ['one', 'two words', '--flag']");
      // Added to the cell's shell environment, not instead of it.
      expect(text).toContain('env hi there True');
      expect(text).toContain('File "/app/show.py", line 4');
    },
  );

  it(
    'reattaching an ended run shows its output and exit, until its tab is closed',
    { timeout: 60_000 },
    async () => {
      await save('quick.py', 'print("done quickly")\n');
      const { terminal, exited } = await run('quick.py');
      await exited();
      const from = client.mark();
      const again = await client.open(workspace, { terminalId: terminal.id });
      expect(plain(again.opened.replay)).toContain('done quickly');
      const exit = await client.next('terminal.exit', (m) => m.terminalId === terminal.id, from);
      expect(exit.code).toBe(0);
      expect(exit.durationMs).toBeGreaterThan(0);

      client.send({ type: 'terminal.close', terminalId: terminal.id });
      await expect(client.open(workspace, { terminalId: terminal.id })).rejects.toThrow(
        /TERMINAL_NOT_FOUND/,
      );
    },
  );

  it('a new run of a file takes the place of its ended one', { timeout: 60_000 }, async () => {
    await save('twice.py', 'print("run once")\n');
    const first = await run('twice.py');
    await first.exited();
    const second = await run('twice.py');
    await second.exited();
    await expect(client.open(workspace, { terminalId: first.terminal.id })).rejects.toThrow(
      /TERMINAL_NOT_FOUND/,
    );
    const again = await client.open(workspace, { terminalId: second.terminal.id });
    expect(plain(again.opened.replay)).toContain('run once');
  });

  it('stop ends `while True: pass` at once', { timeout: 60_000 }, async () => {
    await save('loop.py', 'print("looping", flush=True)\nwhile True: pass\n');
    const { terminal, exited } = await run('loop.py');
    await terminal.waitForText('looping');
    const started = Date.now();
    client.send({ type: 'terminal.stop', terminalId: terminal.id });
    const exit = await exited();
    expect(Date.now() - started).toBeLessThan(2500);
    // KeyboardInterrupt: Python's exit for SIGINT.
    expect(exit.code ?? exit.signal).not.toBe(0);
    expect(plain(terminal.textSince())).toContain('KeyboardInterrupt');
  });

  it('stop kills a program that ignores SIGINT, and its child', { timeout: 60_000 }, async () => {
    const tag = `100.${Date.now() % 100_000}`;
    await save(
      'stubborn.py',
      `import signal, subprocess, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nsubprocess.Popen(['sleep', '${tag}'], start_new_session=True)\nprint("started", flush=True)\nwhile True: time.sleep(1)\n`,
    );
    const { terminal, exited } = await run('stubborn.py');
    await terminal.waitForText('started');
    expect(processesWith(`sleep ${tag}`)).toHaveLength(1);
    client.send({ type: 'terminal.stop', terminalId: terminal.id });
    const exit = await exited();
    expect(exit.signal).toBe('SIGKILL');
    // Its child left the session and the process group, and is gone too.
    await expect.poll(() => processesWith(`sleep ${tag}`), { timeout: 5000 }).toEqual([]);
  });

  it('bad run input gets a clear error and starts nothing', async () => {
    const cases: [object, string, RegExp][] = [
      [{ path: '../etc/passwd', args: [], env: {} }, 'INVALID_PATH', /\.\./],
      [{ path: '/app/x.py', args: [], env: {} }, 'INVALID_PATH', /relative/],
      [
        { path: 'x.py', args: [], env: { 'BAD NAME': 'x' } },
        'VALIDATION_FAILED',
        /shell variable name/,
      ],
      [{ path: 'x.py', args: Array(65).fill('a'), env: {} }, 'VALIDATION_FAILED', /run\.args/],
      [{ path: 'x.py', args: [], env: {}, shell: 'bash' }, 'VALIDATION_FAILED', /shell/],
    ];
    for (const [run, code, message] of cases) {
      const from = client.mark();
      client.send({ type: 'terminal.open', workspace, cols: 80, rows: 24, run });
      const error = await client.next('error', () => true, from);
      expect(error.code, JSON.stringify(run)).toBe(code);
      expect(error.message).toMatch(message);
      await client.ping();
      expect(client.messages.slice(from).some((m) => m.type === 'terminal.opened')).toBe(false);
    }
    const from = client.mark();
    client.send({
      type: 'terminal.open',
      workspace,
      cols: 80,
      rows: 24,
      terminalId: 'shell1',
      run: { path: 'x.py', args: [], env: {} },
    });
    expect((await client.next('error', () => true, from)).message).toMatch(/starts with run-/);
  });

  it('a client may name the run; the same name again is refused while it runs', async () => {
    await save('wait.py', 'import time\nprint("waiting", flush=True)\ntime.sleep(60)\n');
    const run = { path: 'wait.py', args: [], env: {} };
    const terminal = await client.open(workspace, { terminalId: 'run-named', run });
    expect(terminal.id).toBe('run-named');
    await terminal.waitForText('waiting');
    await expect(client.open(workspace, { terminalId: 'run-named', run })).rejects.toThrow(
      /ALREADY_EXISTS/,
    );
    client.send({ type: 'terminal.close', terminalId: 'run-named' });
  });
});
