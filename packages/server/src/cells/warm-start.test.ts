/**
 * Opening a workspace on a server with a warm pool: the cell is a sandbox that was
 * waiting, and the user cannot tell, except that it is ready sooner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  openTestDatabase,
  registerUser,
  type TestDatabase,
} from '../test-support/api-harness';
import {
  createCellTestEnv,
  python,
  saveFile,
  startCell,
  type CellTestApp,
  type CellTestEnv,
} from '../test-support/cell-harness';
import { spareNames } from './local/test-support';

describe('a server with a warm pool', { timeout: 120_000 }, () => {
  let env: CellTestEnv;
  let database: TestDatabase;
  let main: CellTestApp;
  const spares = () => spareNames(env.host.cellsDir);

  beforeAll(async () => {
    env = await createCellTestEnv('warmstart');
    database = await openTestDatabase('pglite');
    main = await env.buildApp(database.handle, { CELL_WARM_POOL_SIZE: '1' });
    await main.driver.pool!.filled();
  });

  afterAll(async () => {
    await env.dispose();
    await database.close();
  });

  it('opens a workspace in a waiting sandbox, with its files, and readies the next', async () => {
    const { app } = main;
    expect(main.driver.pool!.waiting).toBe(1);
    const [waiting] = spares();
    const user = await registerUser(app, 'warm');
    const workspace = await createWorkspace(app, user, 'Warm');
    await saveFile(app, user, workspace.uuid, 'data.txt', 'saved before the cell started\n');

    expect((await startCell(app, user, workspace.uuid)).state).toBe('ready');
    // The waiting sandbox is the workspace's cell now, and another one waits.
    await main.driver.pool!.filled();
    expect(main.driver.pool!.waiting).toBe(1);
    expect(spares()).toHaveLength(2);
    expect(spares()).toContain(waiting);

    const seen = await python(
      app,
      user,
      workspace.uuid,
      'import os; print(open("data.txt").read(), end=""); print(os.getuid(), os.getcwd())',
    );
    expect(seen).toBe('saved before the cell started\n1000 /app\n');
    // A save while it runs reaches it, as in any cell.
    await saveFile(app, user, workspace.uuid, 'data.txt', 'saved while it runs\n');
    expect(await python(app, user, workspace.uuid, 'print(open("data.txt").read(), end="")')).toBe(
      'saved while it runs\n',
    );

    const stopped = await app.inject({
      method: 'POST',
      url: `/api/workspace/${workspace.uuid}/shutdown`,
      headers: bearer(user),
    });
    expect(stopped.statusCode, stopped.body).toBe(200);
    // The sandbox went with the cell: it never serves another workspace.
    expect(spares()).not.toContain(waiting);
    expect(spares()).toHaveLength(1);
  });
});
