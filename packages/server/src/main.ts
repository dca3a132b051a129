/** Starts Workcell: configuration, database, HTTP server; stops cleanly on SIGTERM/SIGINT. */
import type { AddressInfo } from 'node:net';

import { ConfigError, loadConfig } from './config';
import { buildApp, createServices } from './http/app';
import { openDatabase, pgliteDirectory } from './store/database';

const SHUTDOWN_GRACE_MS = 15_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    pgliteDir: pgliteDirectory(config.DATA_DIR),
  });
  const services = createServices(config, database);
  const app = await buildApp(services);
  app.log.info({ database: database.kind, dataDir: config.DATA_DIR }, 'database ready');
  await services.cells.init();
  services.revisionSweep.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    await app.close();
    await services.cells.close();
    await database.close();
    process.exit(0);
  };
  // `on`, not `once`: a signal sent to the process group reaches this process twice (tsx
  // relays it too), and a second one with no handler left killed it mid-shutdown, leaving
  // its cells' volumes mounted.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST });
  const { port } = app.server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  console.log(`Workcell is listening on http://${host}:${port}`);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `Workcell failed to start: ${String(error)}`,
  );
  process.exit(error instanceof ConfigError ? 2 : 1);
});
