import { describe, expect, it } from 'vitest';

import { HostCommandError, runHost } from './host';

describe('runHost', () => {
  it('gives a tool /dev/null for input, so bash takes it for no remote shell and runs no ~/.bashrc', async () => {
    const stdin = await runHost('/bin/sh', ['-c', 'readlink /proc/self/fd/0']);
    expect(stdin.trim()).toBe('/dev/null');
  });

  it('rejects with what the tool said on stderr unless its exit code is allowed', async () => {
    const fail = runHost('/bin/sh', ['-c', 'echo "no such image" >&2; exit 3']);
    await expect(fail).rejects.toThrow(HostCommandError);
    await expect(fail).rejects.toThrow(/no such image/);
    await expect(
      runHost('/bin/sh', ['-c', 'echo done; exit 1'], { okCodes: [0, 1] }),
    ).resolves.toBe('done\n');
  });

  it('stops a tool that writes without end, and keeps only the end of what it said', async () => {
    await expect(runHost('/usr/bin/yes', [])).rejects.toThrow(/wrote more than/);
    const chatty = runHost('/bin/sh', [
      '-c',
      'yes early | head -c 100000 >&2; echo the-end >&2; exit 2',
    ]);
    const error = await chatty.then(
      () => expect.fail('the tool failed'),
      (caught: unknown) => caught as HostCommandError,
    );
    expect(error.stderr).toMatch(/the-end\n$/);
    expect(error.stderr.length).toBeLessThanOrEqual(16 * 1024);
  });

  it('names a tool that cannot be run', async () => {
    await expect(runHost('/nonexistent/tool', [])).rejects.toThrow(/\/nonexistent\/tool.*ENOENT/);
  });
});
