/**
 * Format Document and Organize Imports through the real server: a real cell (bubblewrap,
 * cgroups) running the black and isort the cell's system has (scripts/install-system-deps.sh).
 */
import type { FormatResult, Workspace } from '@workcell/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  expectError,
  openTestDatabase,
  registerUser,
  type TestDatabase,
  type TestUser,
} from '../test-support/api-harness';
import {
  createCellTestEnv,
  python,
  type CellTestApp,
  type CellTestEnv,
} from '../test-support/cell-harness';

let env: CellTestEnv;
let database: TestDatabase;
let main: CellTestApp;
let owner: TestUser;
let stranger: TestUser;
let workspace: Workspace;

beforeAll(async () => {
  env = await createCellTestEnv('format');
  database = await openTestDatabase('pglite');
  main = await env.buildApp(database.handle);
  owner = await registerUser(main.app, 'formatter');
  stranger = await registerUser(main.app, 'formatter');
  workspace = await createWorkspace(main.app, owner, 'Formatting');
});

afterAll(async () => {
  await env.dispose();
  await database.close();
});

const format = (user: TestUser, payload: object) =>
  main.app.inject({
    method: 'POST',
    url: `/api/workspace/${workspace.uuid}/format`,
    headers: bearer(user),
    payload,
  });

/** Generous: cells run at half a core, and CI machines are busy. */
const TEST_TIMEOUT_MS = 120_000;

describe('POST /api/workspace/{uuid}/format', { timeout: TEST_TIMEOUT_MS }, () => {
  it('formats a document with black', async () => {
    const response = await format(owner, {
      path: 'script.py',
      content: "def f(a,b):\n  return {'a':a,'b':b}\nx=f( 1,2 )\n",
      action: 'format',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<FormatResult>()).toEqual({
      formatter: 'black',
      content: 'def f(a, b):\n    return {"a": a, "b": b}\n\n\nx = f(1, 2)\n',
    });
  });

  it('organises imports with isort', async () => {
    const response = await format(owner, {
      path: 'script.py',
      content:
        'import sys\nimport os\nfrom collections import OrderedDict, Counter\nprint(os, sys)\n',
      action: 'organize-imports',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<FormatResult>()).toEqual({
      formatter: 'isort',
      content:
        'import os\nimport sys\nfrom collections import Counter, OrderedDict\n\nprint(os, sys)\n',
    });
  });

  it('code black cannot parse is 422 FORMAT_FAILED with what black said', async () => {
    const body = expectError(
      await format(owner, {
        path: 'script.py',
        content: 'def broken(:\n  pass\n',
        action: 'format',
      }),
      422,
      'FORMAT_FAILED',
    );
    expect(body.error.message).toMatch(/^black could not format script\.py: .*Cannot parse/);
  });

  it("prefers ruff from pip's user installs, and the workspace's .venv above all", async () => {
    // Stand-ins that say where they are, installed where pip and venv would put them.
    const install = (dir: string) =>
      python(
        main.app,
        owner,
        workspace.uuid,
        [
          'import os',
          `os.makedirs("${dir}", exist_ok=True)`,
          `open("${dir}/ruff", "w").write("#!/bin/sh\\necho ${dir} ruff \\"$@\\"\\n")`,
          `os.chmod("${dir}/ruff", 0o755)`,
        ].join('\n'),
      );
    const formatted = async () => {
      const response = await format(owner, { path: 'script.py', content: 'x\n', action: 'format' });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<FormatResult>();
    };
    await install('/app/.local/bin');
    expect(await formatted()).toEqual({
      formatter: 'ruff',
      content: '/app/.local/bin ruff format --stdin-filename script.py -\n',
    });
    await install('/app/.venv/bin');
    expect((await formatted()).content).toMatch(/^\/app\/\.venv\/bin ruff /);
    await python(
      main.app,
      owner,
      workspace.uuid,
      'import os\nos.remove("/app/.venv/bin/ruff")\nos.remove("/app/.local/bin/ruff")',
    );
    expect((await formatted()).formatter).toBe('black');
  });

  it('refuses a bad path or action with 400, and another user with 404', async () => {
    expectError(
      await format(owner, { path: '../x.py', content: 'x=1\n', action: 'format' }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await format(owner, { path: 'x.py', content: 'x=1\n', action: 'lint' }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await format(stranger, { path: 'script.py', content: 'x=1\n', action: 'format' }),
      404,
      'WORKSPACE_NOT_FOUND',
    );
  });
});
