import { PROC_FLOW_WINDOW_BYTES } from '@workcell/protocol/agent';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { PYTHON, startAgent, waitFor, type TestAgent } from './test-support';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startAgent();
});
afterAll(async () => {
  await agent.stop();
});

/** The stdout a process has sent so far, in stream order (checked against offsets). */
function stdout(procId: string): Buffer {
  const chunks: Buffer[] = [];
  let expected = 0;
  for (const { event, body } of agent.events) {
    if (event.ev !== 'proc.output' || event.procId !== procId) continue;
    expect(event.offset).toBe(expected);
    expected += body.length;
    chunks.push(body);
  }
  return Buffer.concat(chunks);
}
const exitOf = (procId: string) =>
  agent.events.find(
    (e): e is typeof e & { event: { ev: 'proc.exit' } } =>
      e.event.ev === 'proc.exit' && e.event.procId === procId,
  )?.event;

describe('long-running processes', () => {
  test('stdin reaches the process and its stdout streams back, as the cell user', async () => {
    const { result } = await agent.call('proc.spawn', {
      procId: 'echo',
      argv: [
        PYTHON,
        '-u',
        '-c',
        'import os,sys\nprint(os.getuid(), flush=True)\nfor l in sys.stdin: print(l.upper(), end="", flush=True)',
      ],
    });
    expect(result.pid).toBeGreaterThan(0);
    agent.send({ op: 'proc.input', procId: 'echo' }, Buffer.from('hello\n'));
    await waitFor(() => stdout('echo').toString().includes('HELLO\n'), 'the echo');
    const uid = process.getuid?.() === 0 ? '1000' : String(process.getuid?.());
    expect(stdout('echo').toString().startsWith(`${uid}\n`)).toBe(true);
    await agent.call('proc.kill', { procId: 'echo' });
    const exit = await waitFor(() => exitOf('echo'), 'the exit');
    expect(exit.signal).toBe('SIGKILL');
    const again = await agent.request('proc.input', { procId: 'echo' });
    expect(again.ok ? undefined : again.error.code).toBe('NOT_FOUND');
  });

  test('node: true runs the cell’s Node; the exit reports the code and the end of stderr', async () => {
    await agent.call('proc.spawn', {
      procId: 'node',
      node: true,
      argv: ['-e', 'process.stdout.write(process.version); console.error("bye"); process.exit(3)'],
    });
    const exit = await waitFor(() => exitOf('node'), 'the exit');
    expect(exit).toMatchObject({ code: 3, signal: null, stderr: 'bye\n' });
    expect(stdout('node').toString()).toBe(process.version);
  });

  test('output beyond the flow window waits for acks; nothing is lost', async () => {
    const total = PROC_FLOW_WINDOW_BYTES * 3;
    await agent.call('proc.spawn', {
      procId: 'flood',
      argv: [PYTHON, '-c', `import sys; sys.stdout.buffer.write(b"x" * ${total})`],
    });
    await waitFor(() => stdout('flood').length > PROC_FLOW_WINDOW_BYTES, 'a window of output');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Paused: at most a window plus what was in flight in the pipe.
    expect(stdout('flood').length).toBeLessThan(PROC_FLOW_WINDOW_BYTES + 256 * 1024);
    expect(exitOf('flood')).toBeUndefined();
    let acked = 0;
    await waitFor(() => {
      const got = stdout('flood').length;
      if (got > acked) agent.send({ op: 'proc.ack', procId: 'flood', bytes: got - acked });
      acked = got;
      return exitOf('flood');
    }, 'the flood to finish');
    expect(stdout('flood').length).toBe(total);
  });

  test('a missing program fails the spawn; a duplicate id is refused', async () => {
    const missing = await agent.request('proc.spawn', { procId: 'x', argv: ['/no/such'] });
    expect(missing.ok ? undefined : missing.error.code).toBe('NOT_FOUND');
    await agent.call('proc.spawn', { procId: 'dup', argv: ['/bin/sleep', '30'] });
    const dup = await agent.request('proc.spawn', { procId: 'dup', argv: ['/bin/sleep', '1'] });
    expect(dup.ok ? undefined : dup.error.code).toBe('ALREADY_EXISTS');
    await agent.call('proc.kill', { procId: 'dup' });
    await waitFor(() => exitOf('dup'), 'the exit');
  });
});
