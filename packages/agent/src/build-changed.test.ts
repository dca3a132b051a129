/**
 * `npm start` builds only what changed (scripts/build-changed.mjs): run again on the tree
 * it has just built, it writes nothing. Needs a build made through it (`npm test` makes
 * one first); rebuilding here would swap the agent under the other suites' cells.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const outputs = ['packages/agent/dist/agent.cjs', 'packages/web/dist/index.html'];
const stamped = ['packages/agent/dist', 'packages/web/dist'].every((dist) =>
  existsSync(join(root, dist, '.inputs-sha256')),
);

it.runIf(stamped)('rebuilds nothing when no input changed', async () => {
  const before = outputs.map((file) => statSync(join(root, file)).mtimeMs);
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [join(root, 'scripts/build-changed.mjs')],
    { cwd: root },
  );
  expect(stdout + stderr).toBe('');
  expect(outputs.map((file) => statSync(join(root, file)).mtimeMs)).toEqual(before);
});
