import { PTY_FLOW_WINDOW_BYTES } from '@workcell/protocol/agent';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { AUTH_TIMEOUT_MS } from './listener';
import {
  PYTHON,
  startListeningAgent,
  waitFor,
  type ListeningTestAgent,
  type TestConnection,
} from './test-support';

const errors = (connection: TestConnection) =>
  connection.events.flatMap(({ event }) => (event.ev === 'error' ? [event.error] : []));
const type = (connection: TestConnection, ptyId: string, text: string) =>
  connection.send({ op: 'pty.input', ptyId }, Buffer.from(text));
const until = (connection: TestConnection, ptyId: string, text: string) =>
  waitFor(() => connection.output(ptyId).includes(text), `"${text}" in terminal ${ptyId}`);

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each(['tcp', 'unix'] as const)('an agent listening over %s', (transport) => {
  let agent: ListeningTestAgent;
  beforeAll(async () => {
    agent = await startListeningAgent(transport);
  });
  afterAll(async () => {
    await agent.stop();
  });

  test('refuses a wrong token or another first frame with UNAUTHENTICATED and closes', async () => {
    const served = await agent.connect();
    for (const first of [{ auth: 'not-the-token'.repeat(4) }, { op: 'ping', id: 1 }, 'auth']) {
      const refused = agent.open(first);
      await refused.closed;
      expect(refused.events.map((e) => e.event.ev)).toEqual(['error']);
      expect(errors(refused)).toMatchObject([{ code: 'UNAUTHENTICATED' }]);
    }
    // A refused connection takes nothing from the one being served.
    expect((await served.call('ping', {})).result.time).toBeGreaterThan(0);
    await served.stop();
  });

  test('a terminal outlives its connection and the next one takes it over', async () => {
    const first = await agent.connect();
    const { pid } = (await first.call('pty.open', { ptyId: 'main', cols: 80, rows: 24 })).result;
    await until(first, 'main', '@workspace');
    type(first, 'main', 'echo $$\r');
    await until(first, 'main', `\r${pid}\r\n`);
    first.destroy();
    await first.closed;

    const second = await agent.connect();
    const { ptys } = (await second.call('pty.list', {})).result;
    expect(ptys).toEqual([{ ptyId: 'main', pid, cols: 80, rows: 24 }]);
    const snapshot = (await second.call('pty.snapshot', { ptyId: 'main' })).result;
    expect(snapshot.data).toContain('echo $$');
    expect(snapshot.data).toContain(String(pid));
    type(second, 'main', 'echo again-$((20+22))\r');
    await until(second, 'main', 'again-42');
    await second.call('pty.close', { ptyId: 'main' });
    await second.stop();
  });

  test('a connection that authenticates closes the one before it', async () => {
    const first = await agent.connect();
    const second = await agent.connect();
    await first.closed;
    expect((await second.call('ping', {})).result.time).toBeGreaterThan(0);
    await second.stop();
  });

  test("a connection's processes die with it", async () => {
    const first = await agent.connect();
    const { pid } = (
      await first.call('proc.spawn', {
        procId: 'server',
        argv: [PYTHON, '-c', 'import time; time.sleep(100)'],
      })
    ).result;
    expect(running(pid)).toBe(true);
    first.destroy();
    await waitFor(() => !running(pid), 'the process to be killed');
  });

  test('a new connection resumes a terminal paused for the old one', async () => {
    const first = await agent.connect();
    await first.call('pty.open', { ptyId: 'flood', cols: 80, rows: 24 });
    type(first, 'flood', 'yes\r');
    await waitFor(() => first.outputBytes('flood') > PTY_FLOW_WINDOW_BYTES, 'the window to fill');
    await waitFor(async () => {
      const before = first.outputBytes('flood');
      await new Promise((resolve) => setTimeout(resolve, 250));
      return first.outputBytes('flood') === before;
    }, 'output to stall without acks');

    const second = await agent.connect();
    await first.closed;
    await waitFor(() => second.outputBytes('flood') > 0, 'output on the new connection');
    type(second, 'flood', '\x03');
    await second.call('pty.close', { ptyId: 'flood' });
    await second.stop();
  });
});

describe('a listening agent', () => {
  let agent: ListeningTestAgent;
  beforeAll(async () => {
    agent = await startListeningAgent('tcp');
  });
  afterAll(async () => {
    await agent.stop();
  });

  test(
    'closes a connection that sends nothing in time',
    async () => {
      const started = Date.now();
      const silent = agent.open(null);
      await silent.closed;
      expect(Date.now() - started).toBeGreaterThanOrEqual(AUTH_TIMEOUT_MS - 100);
      expect(errors(silent)).toMatchObject([{ code: 'UNAUTHENTICATED' }]);
    },
    AUTH_TIMEOUT_MS + 5000,
  );

  test('stops when its descriptor closes', async () => {
    const connection = await agent.connect();
    agent.descriptor?.end();
    expect(await agent.exited).toBe(0);
    await connection.closed;
  });
});

describe('a listening agent without a descriptor, as in a pod', () => {
  test('outlives its connections and stops when asked to', async () => {
    const agent = await startListeningAgent('unix', { descriptor: false });
    try {
      (await agent.connect()).destroy();
      const connection = await agent.connect();
      await connection.call('shutdown', {});
      expect(await agent.exited).toBe(0);
    } finally {
      await agent.stop();
    }
  });
});
