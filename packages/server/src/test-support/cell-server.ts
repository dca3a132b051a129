/**
 * The server of main.ts for the tests that kill one with SIGKILL: the same configuration,
 * services, app, start-up sweep and listener, except that its cells live in the cgroup
 * parent WORKCELL_TEST_CGROUP_PARENT. With the production parent, its start-up sweep would
 * also remove the cells of every other Workcell server on this machine (other test files,
 * a developer's server), since the local driver lists cell cgroups by parent, not by
 * DATA_DIR. Prints "listening on <url>" once it accepts requests.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { LocalCellDriver } from '../cells/local';
import { loadConfig } from '../config';
import { buildApp, createServices } from '../http/app';
import { openDatabase, pgliteDirectory } from '../store/database';

const cgroupParent = process.env.WORKCELL_TEST_CGROUP_PARENT;
if (!cgroupParent) throw new Error('WORKCELL_TEST_CGROUP_PARENT is not set');

const config = loadConfig();
const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  pgliteDir: pgliteDirectory(config.DATA_DIR),
});
const services = createServices(
  config,
  database,
  new LocalCellDriver({ cellsDir: join(config.DATA_DIR, 'cells'), cgroupParent }),
);
const app = await buildApp(services);
await services.cells.init();
process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await services.cells.close();
    await database.close();
    process.exit(0);
  })();
});
await app.listen({ port: config.PORT, host: config.HOST });
const { port } = app.server.address() as AddressInfo;
console.log(`listening on http://${config.HOST}:${port}`);
