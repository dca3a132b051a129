import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { encodeFrame, FrameDecoder, MAX_FRAME_HEADER_BYTES } from '@workcell/protocol/agent';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { agentDistDir, agentEnv, agentNodeModulesDir, ensureAgentBuilt } from './index';
import { startAgent, waitFor, type TestAgent } from './test-support';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startAgent();
});
afterAll(async () => {
  await agent.stop();
});

const errorEvents = () =>
  agent.events.flatMap(({ event }) => (event.ev === 'error' ? [event] : []));

describe('frames the agent cannot serve', () => {
  test('are answered with VALIDATION_FAILED, and the agent keeps serving', async () => {
    const json = Buffer.from('{"op": "ping", "id": ');
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32BE(json.length, 0);
    agent.sendBytes(Buffer.concat([prefix, json]));
    await waitFor(
      () => errorEvents().find((e) => e.error.message.includes('not valid JSON')),
      'garbage JSON error',
    );

    expect(await agent.requestRaw({ op: 'format.disk' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: 'unknown op "format.disk"' },
    });
    const wrongTypes = await agent.requestRaw({ op: 'fs.read', path: 42, maxBytes: 'all' });
    expect(wrongTypes).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(!wrongTypes.ok && wrongTypes.error.message).toMatch(
      /invalid fs.read request: path: Invalid input: expected string, received number; maxBytes: Invalid input: expected number/,
    );
    expect(await agent.requestRaw({ op: 'ping', surprise: true })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });

    agent.send({ op: 'pty.input', ptyId: 'nobody' }, Buffer.from('ls\r'));
    agent.send({ op: 'pty.resize', ptyId: '../bad', cols: 0, rows: 1 });
    agent.send([1, 2, 3]);
    agent.send('just a string');
    await waitFor(() => errorEvents().length >= 5, 'an error event for each');
    expect(errorEvents()).toHaveLength(5);
    expect(errorEvents()).toEqual(
      expect.arrayContaining([
        {
          ev: 'error',
          op: 'pty.input',
          error: { code: 'TERMINAL_NOT_FOUND', message: 'no terminal nobody' },
        },
        {
          ev: 'error',
          op: 'pty.resize',
          error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) as unknown,
        },
        { ev: 'error', error: { code: 'VALIDATION_FAILED', message: 'unknown op null' } },
        { ev: 'error', error: { code: 'VALIDATION_FAILED', message: 'unknown op null' } },
      ]),
    );
    expect((await agent.call('ping', {})).result.time).toBeGreaterThan(0);
  });

  test('an impossible frame length makes the agent exit non-zero', async () => {
    const doomed = await startAgent();
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32BE(MAX_FRAME_HEADER_BYTES + 1, 0);
    doomed.sendBytes(prefix);
    expect(await doomed.exited).toBe(1);
    await doomed.stop();
  });

  test('shutdown replies, then the agent exits cleanly', async () => {
    const stopping = await startAgent();
    await stopping.call('pty.open', { ptyId: 't', cols: 80, rows: 24 });
    await stopping.call('shutdown', {});
    expect(await stopping.exited).toBe(0);
    await stopping.stop();
  });
});

test('the bundle runs from an /opt/agent layout with node-pty beside it, over stdio', async () => {
  await ensureAgentBuilt();
  const opt = await mkdtemp(join(tmpdir(), 'workcell-opt-'));
  const pty = join(opt, 'node_modules', 'node-pty');
  await cp(agentDistDir(), join(opt, 'dist'), { recursive: true });
  const source = join(agentNodeModulesDir(), 'node-pty');
  for (const part of ['package.json', 'lib', 'build/Release']) {
    await mkdir(join(pty, part, '..'), { recursive: true });
    await cp(join(source, part), join(pty, part), { recursive: true });
  }
  const root = join(opt, 'app');
  await mkdir(root);
  const child = spawn('/usr/bin/node', [join(opt, 'dist', 'main.cjs')], {
    cwd: '/',
    env: agentEnv({
      channel: 'stdio',
      root,
      home: join(opt, 'home'),
      userUid: process.getuid?.(),
      userGid: process.getgid?.(),
    }),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const decoder = new FrameDecoder();
    const headers: unknown[] = [];
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        headers.push(frame.header);
        output += frame.body.toString();
      }
    });
    child.stdin.write(
      encodeFrame({
        op: 'pty.open',
        id: 1,
        ptyId: 'p',
        cols: 80,
        rows: 24,
        command: ['/bin/echo', 'from-opt'],
      }),
    );
    await waitFor(() => output.includes('from-opt'), 'PTY output from the relocated bundle');
    expect(headers[0]).toMatchObject({ ev: 'ready' });
  } finally {
    child.kill('SIGKILL');
    await rm(opt, { recursive: true, force: true });
  }
});
