import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PTY_FLOW_WINDOW_BYTES } from '@workcell/protocol/agent';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { PTY_OUTPUT_BATCH_BYTES } from './pty';
import { startAgent, waitFor, type TestAgent } from './test-support';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startAgent();
});
afterAll(async () => {
  await agent.stop();
});

const type = (ptyId: string, text: string) =>
  agent.send({ op: 'pty.input', ptyId }, Buffer.from(text));
/** Waits for `text` in the terminal's recent output. */
const until = (ptyId: string, text: string) =>
  waitFor(() => agent.output(ptyId, 64 * 1024).includes(text), `"${text}" in terminal ${ptyId}`);

async function openShell(ptyId: string, cols = 80, rows = 24): Promise<number> {
  const { result } = await agent.call('pty.open', { ptyId, cols, rows });
  await until(ptyId, '@workspace');
  return result.pid;
}

/** Pid of a process named `name` whose parent is `ppid`, if running. */
function childNamed(ppid: number, name: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (stat.includes(`(${name})`) && Number(fields[1]) === ppid) return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}

describe('terminals', () => {
  test('a login shell shows a coloured prompt in the workspace and runs commands', async () => {
    await openShell('main');
    const prompt = agent.output('main');
    expect(prompt).toContain('\x1b[1;32m');
    expect(prompt).toContain(`:\x1b[1;34m${agent.root}\x1b[0m$ `);
    type('main', 'echo $((6*7))\r');
    await until('main', '\r42\r\n');
    if (process.getuid?.() === 0) {
      type('main', 'echo uid-$(id -u)\r');
      await until('main', 'uid-1000');
    }
  });

  test('resize reaches the program (stty size)', async () => {
    await agent.call('pty.resize', { ptyId: 'main', cols: 132, rows: 43 });
    type('main', 'stty size\r');
    await until('main', '43 132');
    const { result } = await agent.call('pty.list', {});
    expect(result.ptys).toContainEqual(
      expect.objectContaining({ ptyId: 'main', cols: 132, rows: 43 }),
    );
  });

  test('Ctrl+C interrupts a foreground sleep; terminals are independent', async () => {
    const shell = await openShell('other');
    type('other', 'sleep 100\r');
    await waitFor(() => childNamed(shell, 'sleep'), 'sleep to start');
    type('main', 'echo main-$((1+1))\r');
    await until('main', 'main-2');
    expect(agent.output('other')).not.toContain('main-2');
    type('other', '\x03');
    await waitFor(() => childNamed(shell, 'sleep') === undefined, 'sleep to end');
    type('other', 'echo after-$((2+2))\r');
    await until('other', 'after-4');
  });

  test('pty.signal reaches the foreground program', async () => {
    const shell = (await agent.call('pty.list', {})).result.ptys.find(
      (p) => p.ptyId === 'other',
    )!.pid;
    type('other', 'sleep 100\r');
    await waitFor(() => childNamed(shell, 'sleep'), 'sleep to start');
    await agent.call('pty.signal', { ptyId: 'other', signal: 'SIGINT' });
    await waitFor(() => childNamed(shell, 'sleep') === undefined, 'sleep to end');
    type('other', 'echo alive-$((3+3))\r');
    await until('other', 'alive-6');
  });

  test('a snapshot restores earlier output and the alternate screen', async () => {
    type('main', 'echo snap-$((5*5))\r');
    await until('main', 'snap-25');
    const normal = await agent.call('pty.snapshot', { ptyId: 'main' });
    expect(normal.result).toMatchObject({ cols: 132, rows: 43 });
    expect(normal.result.data).toContain('snap-25');
    type('main', "printf '\\e[?1049h\\e[Hfull-%s' screen\r");
    await until('main', 'full-screen');
    const alternate = (await agent.call('pty.snapshot', { ptyId: 'main' })).result.data;
    expect(alternate).toContain('\x1b[?1049h');
    expect(alternate).toContain('full-screen');
    type('main', "printf '\\e[?1049l'; clear\r");
  });

  test('output beyond the flow window waits for acks; Ctrl+C stops a flood at once', async () => {
    const shell = await openShell('flood');
    let acked = 0;
    const ack = () => {
      const received = agent.outputBytes('flood');
      agent.send({ op: 'pty.ack', ptyId: 'flood', bytes: received - acked });
      acked = received;
    };
    const stalled = () =>
      waitFor(async () => {
        const before = agent.outputBytes('flood');
        await new Promise((resolve) => setTimeout(resolve, 250));
        return agent.outputBytes('flood') === before;
      }, 'output to stall without acks');
    ack();
    type('flood', 'yes\r');
    await waitFor(() => agent.outputBytes('flood') > PTY_FLOW_WINDOW_BYTES, 'the window to fill');
    await stalled();
    const bound = PTY_FLOW_WINDOW_BYTES + PTY_OUTPUT_BATCH_BYTES;
    expect(agent.outputBytes('flood') - acked).toBeLessThanOrEqual(bound);
    ack();
    await waitFor(
      () => agent.outputBytes('flood') > acked + PTY_FLOW_WINDOW_BYTES / 2,
      'output to resume',
    );
    await stalled();
    expect(agent.outputBytes('flood') - acked).toBeLessThanOrEqual(bound);
    // Input still reaches the terminal while its output is paused.
    expect(childNamed(shell, 'yes')).toBeDefined();
    type('flood', '\x03');
    await waitFor(() => childNamed(shell, 'yes') === undefined, 'yes to stop while paused');
    type('flood', 'echo flood-$((2+3))\r');
    await waitFor(() => {
      ack();
      return agent.output('flood', 4096).includes('flood-5');
    }, 'the shell after the flood');
  });

  test('shell history persists in the workspace for the next shell', async () => {
    type('main', 'echo remember-$((7+7))\r');
    await until('main', 'remember-14');
    await waitFor(
      () =>
        readFileSync(join(agent.root, '.workcell/bash_history'), 'utf8').includes('echo remember-'),
      'history file',
    );
    await openShell('later');
    type('later', 'history | grep -c remember- | sed s/^/count-/\r');
    await waitFor(() => /count-[1-9]/.test(agent.output('later')), 'history in a new shell');
  });

  test('exit reports the code; close and unknown terminals', async () => {
    await openShell('short');
    type('short', 'exit 3\r');
    await waitFor(
      () => agent.events.find((e) => e.event.ev === 'pty.exit' && e.event.ptyId === 'short'),
      'pty.exit',
    ).then(({ event }) => {
      expect(event).toMatchObject({ ev: 'pty.exit', ptyId: 'short', code: 3, signal: null });
      expect((event as { durationMs?: number }).durationMs).toBeGreaterThan(0);
    });
    const gone = await agent.request('pty.resize', { ptyId: 'short', cols: 10, rows: 10 });
    expect(gone).toMatchObject({ ok: false, error: { code: 'TERMINAL_NOT_FOUND' } });
    await agent.call('pty.close', { ptyId: 'later' });
    const { result } = await agent.call('pty.list', {});
    expect(result.ptys.map((p) => p.ptyId).sort()).toEqual(['flood', 'main', 'other']);
    const again = await agent.request('pty.open', { ptyId: 'main', cols: 80, rows: 24 });
    expect(again).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
  });

  test('a custom command with its own environment, killed by a signal', async () => {
    await agent.call('pty.open', {
      ptyId: 'cmd',
      cols: 80,
      rows: 24,
      command: ['/bin/sh', '-c', 'echo "$GREETING-$TERM"; kill -9 $$'],
      env: { GREETING: 'hi' },
    });
    await until('cmd', 'hi-xterm-256color');
    const { event } = await waitFor(
      () => agent.events.find((e) => e.event.ev === 'pty.exit' && e.event.ptyId === 'cmd'),
      'pty.exit',
    );
    expect(event).toMatchObject({ ev: 'pty.exit', ptyId: 'cmd', code: null, signal: 'SIGKILL' });
  });

  test('stop: SIGINT, then SIGKILL 2 s later for a program that ignores it, and its child', async () => {
    const program = [
      'import signal, subprocess, time',
      'signal.signal(signal.SIGINT, signal.SIG_IGN)',
      "child = subprocess.Popen(['sleep', '100'], start_new_session=True)",
      "print('child', child.pid, flush=True)",
      'time.sleep(100)',
    ].join('\n');
    await agent.call('pty.open', {
      ptyId: 'stubborn',
      cols: 80,
      rows: 24,
      command: ['python3', '-c', program],
    });
    await until('stubborn', 'child ');
    const child = Number(/child (\d+)/.exec(agent.output('stubborn', 1024))![1]);
    const stopped = Date.now();
    await agent.call('pty.stop', { ptyId: 'stubborn' });
    const { event } = await waitFor(
      () => agent.events.find((e) => e.event.ev === 'pty.exit' && e.event.ptyId === 'stubborn'),
      'pty.exit',
    );
    expect(event).toMatchObject({ signal: 'SIGKILL' });
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(1900);
    // The child left the process group and the session, and is gone too.
    await waitFor(() => {
      try {
        return readFileSync(`/proc/${child}/stat`, 'utf8').includes(') Z');
      } catch {
        return true;
      }
    }, 'the child gone');
  });
});
