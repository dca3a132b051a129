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

  it('names a tool that cannot be run', async () => {
    await expect(runHost('/nonexistent/tool', [])).rejects.toThrow(/\/nonexistent\/tool.*ENOENT/);
  });
});
