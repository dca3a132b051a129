/**
 * How the formatter is found, with the real script under the host's sh: the workspace's
 * .venv first, then PATH (pip's user installs, then the system), ruff before black and
 * isort, and a clear error when there is none. The tools here are stand-ins that say who
 * they are; the cell tests (format.test.ts) run the real black and isort.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FormatAction } from '@workcell/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { WorkcellError } from '../errors';
import { findAndRunArgv, formatOutcome } from './formatters';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'workcell-formatters-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A stand-in tool in `dir` (under the workspace) that prints its name and arguments. */
async function tool(dir: string, name: string): Promise<void> {
  await mkdir(join(root, dir), { recursive: true });
  const file = join(root, dir, name);
  await writeFile(file, `#!/bin/sh\necho "${dir}/${name} $*"\n`);
  await chmod(file, 0o755);
}

/** Runs the script in the workspace `root` with PATH only the given workspace folders. */
function findAndRun(action: FormatAction, pathDirs: string[]) {
  const [sh, ...args] = findAndRunArgv(action, 'src/main.py');
  const child = spawnSync(`/bin/${sh}`, args, {
    cwd: root,
    env: { PATH: pathDirs.map((dir) => join(root, dir)).join(':') || join(root, 'empty') },
    input: 'x=1\n',
    encoding: 'utf8',
  });
  return formatOutcome(action, 'src/main.py', {
    exitCode: child.status,
    timedOut: false,
    stdout: child.stdout,
    stdoutTruncated: false,
    stderr: child.stderr,
  });
}

describe('finding the formatter', () => {
  it('with none installed, says what to install (FORMATTER_NOT_FOUND)', () => {
    const attempt = (action: FormatAction) => {
      try {
        findAndRun(action, []);
      } catch (error) {
        return error as WorkcellError;
      }
      throw new Error('expected FORMATTER_NOT_FOUND');
    };
    expect(attempt('format')).toMatchObject({
      code: 'FORMATTER_NOT_FOUND',
      status: 422,
      message: 'Install black or ruff in the workspace: pip install black.',
    });
    expect(attempt('organize-imports')).toMatchObject({
      code: 'FORMATTER_NOT_FOUND',
      message: 'Install isort or ruff in the workspace: pip install isort.',
    });
  });

  it('uses black and isort from PATH', async () => {
    await tool('system', 'black');
    await tool('system', 'isort');
    expect(findAndRun('format', ['system'])).toEqual({
      formatter: 'black',
      content: 'system/black --quiet --stdin-filename src/main.py -\n',
    });
    expect(findAndRun('organize-imports', ['system'])).toEqual({
      formatter: 'isort',
      content: 'system/isort --quiet -\n',
    });
  });

  it('prefers ruff, for both actions', async () => {
    await tool('system', 'black');
    await tool('system', 'isort');
    await tool('.local/bin', 'ruff');
    expect(findAndRun('format', ['.local/bin', 'system'])).toEqual({
      formatter: 'ruff',
      content: '.local/bin/ruff format --stdin-filename src/main.py -\n',
    });
    expect(findAndRun('organize-imports', ['.local/bin', 'system'])).toEqual({
      formatter: 'ruff',
      content: '.local/bin/ruff check --select I --fix --quiet --stdin-filename src/main.py -\n',
    });
  });

  it("prefers the workspace's .venv to PATH", async () => {
    await tool('.local/bin', 'black');
    await tool('.venv/bin', 'black');
    expect(findAndRun('format', ['.local/bin']).content).toMatch(/^\.venv\/bin\/black /);
  });
});

describe('what a run means', () => {
  const ran =
    (stdout: string, exitCode: number | null, stderr = '', extra = {}) =>
    () =>
      formatOutcome('format', 'a.py', {
        exitCode,
        timedOut: false,
        stdout,
        stdoutTruncated: false,
        stderr,
        ...extra,
      });

  it('a failing formatter is FORMAT_FAILED with its message, trimmed', () => {
    expect(
      ran('workcell-formatter:black\n', 123, '\nerror: cannot format -: Cannot parse: 1:4\n'),
    ).toThrow(
      expect.objectContaining({
        code: 'FORMAT_FAILED',
        message: 'black could not format a.py: error: cannot format -: Cannot parse: 1:4',
      }) as Error,
    );
    const long = ran('workcell-formatter:black\n', 1, 'x'.repeat(10_000));
    expect(long).toThrow(/^black could not format a\.py: x{2000}…$/);
    expect(ran('workcell-formatter:ruff\n', 2)).toThrow(
      'ruff could not format a.py: it exited with status 2',
    );
  });

  it('a formatter out of time is TIMEOUT; output past the limit is FORMAT_FAILED', () => {
    expect(ran('workcell-formatter:black\n', null, '', { timedOut: true })).toThrow(
      expect.objectContaining({ code: 'TIMEOUT' }) as Error,
    );
    expect(ran('workcell-formatter:black\nx', 0, '', { stdoutTruncated: true })).toThrow(
      expect.objectContaining({
        code: 'FORMAT_FAILED',
        message: "black's output for a.py was too large.",
      }) as Error,
    );
  });

  it('keeps the output exactly, an empty file included', () => {
    expect(ran('workcell-formatter:black\n', 0)()).toEqual({ formatter: 'black', content: '' });
    expect(ran('workcell-formatter:black\nx = 1\n\n\ny = 2\n', 0)().content).toBe(
      'x = 1\n\n\ny = 2\n',
    );
  });
});
