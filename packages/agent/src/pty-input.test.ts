import { createHash, randomInt } from 'node:crypto';

import pty from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';

import { PtyInput } from './pty-input';
import { waitFor } from './test-support';

/** A terminal running `script`, with its output so far. */
function terminal(script: string) {
  const process = pty.spawn('/bin/sh', ['-c', script], { cols: 80, rows: 24, encoding: null });
  const output: Buffer[] = [];
  process.onData((data) => output.push(Buffer.from(data)));
  const exited = new Promise<void>((resolve) => process.onExit(() => resolve()));
  const input = new PtyInput(process);
  return { process, input, exited, text: () => Buffer.concat(output).toString() };
}

describe('PtyInput', () => {
  const open: ReturnType<typeof terminal>[] = [];
  afterEach(() => {
    for (const { process, input } of open.splice(0)) {
      input.dispose();
      process.kill('SIGKILL');
    }
  });

  it('delivers input in order when the PTY is full, as the program reads it later', async () => {
    const bytes = 300_000;
    const t = terminal(`stty -icanon -echo; echo ready; sleep 0.3; head -c ${bytes} | sha256sum`);
    open.push(t);
    await waitFor(() => t.text().includes('ready'), 'the terminal to be raw');
    const typed = Buffer.from(
      Array.from({ length: bytes }, () => String.fromCharCode(97 + randomInt(26))).join(''),
    );
    // Far more than a PTY holds, in pieces, while the program sleeps.
    for (let at = 0; at < bytes; at += 10_000) t.input.write(typed.subarray(at, at + 10_000));
    const digest = createHash('sha256').update(typed).digest('hex');
    await waitFor(() => t.text().includes(digest), 'the program to read all of it');
  });

  it('drops input once the terminal is gone, without throwing', async () => {
    const t = terminal('exit 0');
    open.push(t);
    await t.exited;
    expect(() => t.input.write(Buffer.from('ls\r'))).not.toThrow();
  });
});
