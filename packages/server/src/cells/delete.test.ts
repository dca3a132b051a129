/**
 * Deleting a workspace takes its running cell and its volume with it: nothing of it
 * stays on the host, and no other workspace's cell is touched.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  openTestDatabase,
  registerUser,
  type TestDatabase,
} from '../test-support/api-harness';
import {
  cellProcesses,
  cellStatus,
  createCellTestEnv,
  leftovers,
  NOTHING_LEFT,
  run,
  startCell,
  type CellTestApp,
  type CellTestEnv,
} from '../test-support/cell-harness';

describe('deleting a workspace', { timeout: 120_000 }, () => {
  let env: CellTestEnv;
  let database: TestDatabase;
  let main: CellTestApp;

  beforeAll(async () => {
    env = await createCellTestEnv('delete');
    database = await openTestDatabase('pglite');
    main = await env.buildApp(database.handle);
  });

  afterAll(async () => {
    await env.dispose();
    await database.close();
  });

  it('stops its cell and removes its volume, leaving other cells running', async () => {
    const { app } = main;
    const user = await registerUser(app, 'deleter');
    const doomed = await createWorkspace(app, user, 'Doomed');
    const kept = await createWorkspace(app, user, 'Kept');
    await startCell(app, user, doomed.uuid);
    await startCell(app, user, kept.uuid);
    const seen = cellProcesses(env.host, doomed.uuid);
    expect(seen.length).toBeGreaterThan(0);
    expect(existsSync(join(env.host.cellsDir, doomed.uuid))).toBe(true);

    const response = await app.inject({
      method: 'DELETE',
      url: `/api/sessions/${doomed.uuid}`,
      headers: bearer(user),
    });
    expect(response.statusCode, response.body).toBe(204);

    expect(leftovers(env.host, doomed.uuid, seen)).toEqual(NOTHING_LEFT);
    expect(existsSync(join(env.host.cellsDir, doomed.uuid))).toBe(false);
    const gone = await app.inject({ url: `/api/sessions/${doomed.uuid}`, headers: bearer(user) });
    expect(gone.statusCode).toBe(404);

    expect((await cellStatus(app, user, kept.uuid)).state).toBe('ready');
    expect((await run(app, user, kept.uuid, { code: 'print(6 * 7)' })).stdout).toBe('42\n');
  });
});
