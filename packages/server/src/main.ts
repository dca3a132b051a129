/**
 * Starts Workcell: configuration, database, HTTP server; stops cleanly on SIGTERM/SIGINT.
 * With `SERVER_PROCESSES` above 1 this process is the primary and forks the workers, each
 * of which runs this file again (processes/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyBaseLogger } from 'fastify';

import { ConfigError, loadConfig, type Config } from './config';
import { buildApp, createServices, type Services } from './http/app';
import { ConnectionsPerAddress } from './http/connection-limit';
import { primaryFile, RUN_DIR_ENV, WORKER_ENV, workerFile } from './processes/messages';
import { WorkerProcesses } from './processes/primary';
import { PrimaryProcess } from './processes/worker';
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
  const worker = process.env[WORKER_ENV];
  if (worker !== undefined) return serveAsWorker(services, Number(worker));
  if (config.SERVER_PROCESSES > 1) return serveAsPrimary(config, services);

  const app = await buildApp(services);
  app.log.info({ database: database.kind, dataDir: config.DATA_DIR }, 'database ready');
  await services.cells.init();
  services.revisionSweep.start();
  stopOnSignal(app.log, async () => {
    await app.close();
    await services.cells.close();
    await database.close();
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  announce(config, (app.server.address() as AddressInfo).port);
}

/**
 * The primary's own app listens on a private socket (the workers relay to it there); the
 * port is a plain listener dealing its connections out to this process and the workers.
 */
async function serveAsPrimary(config: Config, services: Services): Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), 'workcell-'));
  const workers = new WorkerProcesses({
    count: config.SERVER_PROCESSES - 1,
    runDir,
    limit: new ConnectionsPerAddress(config.MAX_CONNECTIONS_PER_ADDRESS),
    cells: services.cells,
    log: services.log,
  });
  const app = await buildApp(services, { kind: 'primary', workers });
  app.log.info(
    { database: services.database.kind, processes: config.SERVER_PROCESSES },
    'database ready',
  );
  await services.cells.init();
  services.revisionSweep.start();
  await app.listen({ path: primaryFile(runDir) });
  workers.start(app.server);
  const port = createServer({ pauseOnConnect: true }, (socket) => workers.take(socket));
  stopOnSignal(app.log, async () => {
    port.close();
    // Before the primary's app: a worker's requests in flight may be relayed to it.
    await workers[Symbol.asyncDispose]();
    await app.close();
    await services.cells.close();
    await services.database.close();
    rmSync(runDir, { recursive: true, force: true });
  });
  announce(config, await listen(port, config));
}

async function serveAsWorker(services: Services, index: number): Promise<void> {
  const runDir = process.env[RUN_DIR_ENV]!;
  const primary = new PrimaryProcess((message, socket) => {
    if (process.connected) process.send!(message, socket);
  }, services.metrics.registry);
  const app = await buildApp(services, {
    kind: 'worker',
    primary,
    primarySocket: primaryFile(runDir),
  });
  const stop = stopOnSignal(app.log, async () => {
    await app.close();
    await services.database.close();
  });
  // Without the primary there is nothing to serve.
  process.once('disconnect', stop);
  // Its own socket only so that the HTTP server checks its connections' timeouts, as a
  // listening one does; the connections come from the primary. A killed predecessor left
  // its socket file behind.
  rmSync(workerFile(runDir, index), { force: true });
  await app.listen({ path: workerFile(runDir, index) });
  primary.serve(app.server);
}

/** Runs `shutdown` once, on the first signal, within the grace period; returns the trigger. */
function stopOnSignal(log: FastifyBaseLogger, shutdown: () => Promise<void>): () => void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: a signal sent to the process group reaches this process twice (tsx
  // relays it too), and a second one with no handler left killed it mid-shutdown, leaving
  // its cells' volumes mounted.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return () => stop('disconnect');
}

function listen(server: Server, config: Config): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function announce(config: Config, port: number): void {
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  console.log(`Workcell is listening on http://${host}:${port}`);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `Workcell failed to start: ${String(error)}`,
  );
  process.exit(error instanceof ConfigError ? 2 : 1);
});
