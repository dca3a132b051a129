/**
 * Deleting a workspace takes its running cell and its volume with it: nothing of it
 * stays on the host, and no other workspace's cell is touched.
 */
import { existsSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
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

  it('leaves no host disk behind: images are sparse, and deleting workspaces gives all of it back', async () => {
    const { app } = main;
    const user = await registerUser(app, 'disk');
    // Measured beside the first test's cell, which keeps running and writing its own image:
    // only what appears under the cells directory from here on counts.
    const earlier = new Set(await readdir(env.host.cellsDir));
    const added = async () => {
      const names = (await readdir(env.host.cellsDir)).filter((name) => !earlier.has(name));
      const sizes = await Promise.all(
        names.map((name) => allocatedBytes(join(env.host.cellsDir, name))),
      );
      return { names, bytes: sizes.reduce((sum, size) => sum + size, 0) };
    };
    const workspaces = [];
    for (const name of ['Disk 1', 'Disk 2', 'Disk 3'])
      workspaces.push(await createWorkspace(app, user, name));
    for (const { uuid } of workspaces) await startCell(app, user, uuid);
    const started = await added();
    expect(started.names).toEqual(expect.arrayContaining(workspaces.map(({ uuid }) => uuid)));
    // A 1 GiB /app each, yet a few MiB of host disk each until written.
    expect(started.bytes).toBeGreaterThan(0);
    expect(started.bytes).toBeLessThan(3 * 8 * 1024 * 1024);
    for (const { uuid } of workspaces) {
      const response = await app.inject({
        method: 'DELETE',
        url: `/api/sessions/${uuid}`,
        headers: bearer(user),
      });
      expect(response.statusCode, response.body).toBe(204);
    }
    expect(await added()).toEqual({ names: [], bytes: 0 });
  });
});

/** The disk blocks allocated under `path`, as `du` counts them. */
async function allocatedBytes(path: string): Promise<number> {
  const own = await lstat(path).catch(() => undefined);
  if (!own) return 0;
  if (!own.isDirectory()) return own.blocks * 512;
  let total = 0;
  for (const entry of await readdir(path, { recursive: true }).catch(() => [])) {
    const stats = await lstat(join(path, entry)).catch(() => undefined);
    if (stats && !stats.isDirectory()) total += stats.blocks * 512;
  }
  return total;
}
