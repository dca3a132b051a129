/**
 * Assembles the HTTP server from the domain modules. Each module's routes are a plugin
 * with its own prefix; the services they use are built once here and passed in.
 */
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';

import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { pino } from 'pino';

import { adminRoutes, userListRoute } from '../admin/routes';
import { authPlugin } from '../auth/plugin';
import { userRoutes } from '../auth/routes';
import { AuthService } from '../auth/service';
import type { CellDriver } from '../cells/driver';
import { createCellDriver } from '../cells/drivers';
import { PostgresReplicaBus, type ReplicaBus } from '../replicas/bus';
import { bridgeReplicas } from '../replicas/bridge';
import { replicaIdOf } from '../replicas/replica-id';
import { CellManager } from '../cells/manager';
import { cellRoutes, legacyShutdownRoute } from '../cells/routes';
import type { Config } from '../config';
import { archiveRoutes } from '../files/archive-routes';
import { REVISION_SWEEP_BATCH, RevisionSweep } from '../files/revision-sweep';
import { fileRoutes } from '../files/routes';
import { formatRoutes } from '../format/routes';
import { UploadLedger } from '../files/uploads';
import { FileService } from '../files/service';
import { searchRoutes } from '../search/routes';
import { SearchService } from '../search/service';
import { settingsRoutes } from '../settings/routes';
import { SettingsService } from '../settings/service';
import { egressServiceFor } from '../egress/service';
import { reportEgress } from '../egress/report';
import type { Lookup } from '../egress/policy';
import type { DatabaseHandle } from '../store/database';
import { TerminalService } from '../terminals/service';
import { librarySourceRoutes } from '../languages/library-source';
import { LanguageServerService, LSP_SERVERS_PER_WORKSPACE } from '../languages/service';
import { workspaceStateRoutes } from '../workspace-state/routes';
import { WorkspaceStateService } from '../workspace-state/service';
import { workspaceRoutes } from '../workspaces/routes';
import { WorkspaceService } from '../workspaces/service';
import { workspaceStatusRoutes } from '../workspaces/status-routes';
import { usageRoutes } from '../workspaces/usage-routes';
import { gaugeCells } from '../metrics/cell-gauge';
import { gaugeDatabasePool } from '../metrics/database-pool';
import { recordHttpDurations } from '../metrics/http-durations';
import { collectProcessMetrics } from '../metrics/process';
import { metricsRoute } from '../metrics/route';
import { ServerMetrics } from '../metrics/server-metrics';
import { forwardToPrimary, trustForwardedFromWorkers, wasRelayed } from '../processes/forward';
import type { WorkerProcesses } from '../processes/primary';
import type { PrimaryProcess } from '../processes/worker';
import { WorkerPool } from '../workers/pool';
import { websocketRoutes } from '../ws/plugin';
import { registerDocs } from './docs';
import { frameworkErrorHandler, installErrorHandler } from './error-handler';
import { limitConnectionsPerAddress } from './connection-limit';
import { healthRoutes } from './health';
import { installJsonBodyParser } from './json-body';
import { webAppRoutes } from './web-app';

export interface Services {
  config: Config;
  log: FastifyBaseLogger;
  database: DatabaseHandle;
  /** This server's registry and what records into it. */
  metrics: ServerMetrics;
  auth: AuthService;
  settings: SettingsService;
  workspaceState: WorkspaceStateService;
  files: FileService;
  /** Started by the caller, as the cells' reaper is. */
  revisionSweep: RevisionSweep;
  search: SearchService;
  uploads: UploadLedger;
  workspaces: WorkspaceService;
  cells: CellManager;
  terminals: TerminalService;
  languages: LanguageServerService;
  workers: WorkerPool;
  /** The other replicas sharing the database; none with PGlite. */
  bus: ReplicaBus | undefined;
}

/**
 * Builds the services. Nothing here touches the host: cells start only when asked, and
 * `cells.init()` (the orphan sweep and the reaper) and `revisionSweep.start()` are the
 * caller's to run.
 */
export function createServices(
  config: Config,
  database: DatabaseHandle,
  driver?: CellDriver,
  /** How egress resolves names: tests point names of their own at test servers. */
  egressLookup?: Lookup,
): Services {
  const log: FastifyBaseLogger = pino({ level: config.LOG_LEVEL });
  const metrics = new ServerMetrics();
  if (config.METRICS_TOKEN !== undefined) collectProcessMetrics(metrics.registry);
  if (database.pool) gaugeDatabasePool(metrics.registry, database.pool);
  const files = new FileService(
    database.db,
    {
      maxFileBytes: config.MAX_FILE_BYTES,
      maxWorkspaceBytes: config.MAX_WORKSPACE_BYTES,
      maxUserBytes: config.MAX_USER_BYTES,
      revisions: {
        perFile: config.REVISIONS_PER_FILE,
        allSeconds: config.REVISIONS_ALL_MINUTES * 60,
        hourlySeconds: config.REVISIONS_HOURLY_HOURS * 3600,
        dailySeconds: config.REVISIONS_DAILY_DAYS * 86_400,
      },
    },
    metrics,
  );
  const cells = new CellManager({
    db: database.db,
    driver: driver ?? createCellDriver(config, log),
    files,
    config,
    log,
    metrics,
    replicaId: replicaIdOf(config.DATA_DIR),
    egress: egressServiceFor(
      config,
      log,
      (connection) => reportEgress(metrics, connection),
      egressLookup,
    ),
  });
  gaugeCells(metrics.registry, () => cells.census());
  return {
    config,
    log,
    database,
    metrics,
    auth: new AuthService(
      database.db,
      config.SESSION_TTL_DAYS,
      config.AUTH_CACHE_SECONDS * 1000,
      config.ADMIN_USERS,
    ),
    settings: new SettingsService(database.db),
    workspaceState: new WorkspaceStateService(database.db),
    files,
    revisionSweep: new RevisionSweep(database.db, files, log, {
      intervalMs: config.REVISIONS_SWEEP_SECONDS * 1000,
      batch: REVISION_SWEEP_BATCH,
    }),
    search: new SearchService(database.db, files),
    uploads: new UploadLedger(database.db, config.MAX_USER_BYTES),
    workspaces: new WorkspaceService(
      database.db,
      files,
      config.MAX_WORKSPACES_PER_USER,
      config.AUTH_CACHE_SECONDS * 1000,
    ),
    cells,
    terminals: new TerminalService(cells, database.db, log, metrics),
    workers: new WorkerPool(),
    bus:
      database.kind === 'postgres' && config.DATABASE_URL
        ? new PostgresReplicaBus(database.db, config.DATABASE_URL, log)
        : undefined,
    languages: new LanguageServerService(
      cells,
      { idleMs: config.LSP_IDLE_MINUTES * 60_000, maxPerWorkspace: LSP_SERVERS_PER_WORKSPACE },
      log,
      metrics,
    ),
  };
}

/**
 * Which of the server's processes this app serves in (processes/): the only one, the
 * primary (cells, sockets, sign-in) or a worker, which relays the primary's routes to it
 * and serves the files and search itself.
 */
export type ProcessRole =
  | { kind: 'only' }
  | { kind: 'primary'; workers: WorkerProcesses }
  | { kind: 'worker'; primary: PrimaryProcess; primarySocket: string };

export async function buildApp(
  services: Services,
  role: ProcessRole = { kind: 'only' },
): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: services.log,
    trustProxy:
      role.kind === 'primary'
        ? trustForwardedFromWorkers(config.TRUST_PROXY)
        : (config.TRUST_PROXY ?? false),
    // Paths like /api/sessions and /api/sessions/ are the same route (the prototype used both).
    // A 1,024-byte workspace path is up to 3,072 characters percent-encoded.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
    frameworkErrors: frameworkErrorHandler,
    // A client trickling its request is cut off: the headers within HTTP_HEADERS_TIMEOUT_MS,
    // the whole request (body too) within HTTP_REQUEST_TIMEOUT_MS, checked every second.
    http: { headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  }).withTypeProvider<ZodTypeProvider>();
  // With several processes the primary counts every connection as it deals them out.
  if (role.kind === 'only') {
    limitConnectionsPerAddress(app.server, config.MAX_CONNECTIONS_PER_ADDRESS);
  }
  recordHttpDurations(app, services.metrics, role.kind === 'worker' ? wasRelayed : undefined);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, config.MAX_FILE_BYTES);
  installJsonBodyParser(app, services.workers);
  app.addHook('onClose', () => services.workers[Symbol.asyncDispose]());
  app.addHook('onClose', () => services.search[Symbol.asyncDispose]());
  app.addHook('onClose', () => services.revisionSweep[Symbol.dispose]());
  const { bus } = services;
  if (bus) {
    await bus.ready;
    const unbridge = bridgeReplicas(bus, services.files, services.cells, services.log);
    app.addHook('onClose', async () => {
      unbridge();
      await bus[Symbol.asyncDispose]();
    });
  }

  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(authPlugin, { auth: services.auth, publicUrl: config.PUBLIC_URL });
  await registerDocs(app);

  await app.register(settingsRoutes, {
    prefix: '/api/users/me/settings',
    settings: services.settings,
  });
  await app.register(usageRoutes, {
    prefix: '/api/users/me/usage',
    workspaces: services.workspaces,
    uploads: services.uploads,
  });
  const workspacePrefix = '/api/workspace/:uuid';
  const whenInCell =
    role.kind === 'worker'
      ? (workspaceId: string) => role.primary.whenSynced(workspaceId)
      : (workspaceId: string) => services.cells.synced(workspaceId);
  await app.register(fileRoutes, {
    prefix: workspacePrefix,
    files: services.files,
    uploads: services.uploads,
    workspaces: services.workspaces,
    workers: services.workers,
    whenInCell,
  });
  await app.register(archiveRoutes, {
    prefix: workspacePrefix,
    files: services.files,
    uploads: services.uploads,
    workspaces: services.workspaces,
    maxArchiveEntries: config.MAX_ARCHIVE_ENTRIES,
    whenInCell,
  });
  await app.register(searchRoutes, {
    prefix: workspacePrefix,
    search: services.search,
    workspaces: services.workspaces,
    whenInCell,
  });
  await app.register(workspaceStatusRoutes, {
    prefix: workspacePrefix,
    files: services.files,
    workspaces: services.workspaces,
  });
  await app.register(workspaceStateRoutes, { prefix: workspacePrefix, ...services });
  // What lives in one process: the cells and their sockets, sign-in with its throttling,
  // administration and metrics. A worker relays these routes to the primary.
  await app.register(async (scope) => {
    if (role.kind === 'worker') scope.addHook('onRequest', forwardToPrimary(role.primarySocket));
    await scope.register(healthRoutes, {
      prefix: '/api/health',
      database: services.database,
      cells: services.cells,
      metricsToken: config.METRICS_TOKEN,
      processes: () => ({
        configured: config.SERVER_PROCESSES,
        ready: role.kind === 'primary' ? 1 + role.workers.ready : 1,
      }),
    });
    await scope.register(metricsRoute, {
      registry: services.metrics.registry,
      token: config.METRICS_TOKEN,
      ...(role.kind === 'primary' && { others: () => role.workers.metrics() }),
    });
    await scope.register(userRoutes, { prefix: '/api/users', auth: services.auth, config });
    const admin = { db: services.database.db, auth: services.auth, cells: services.cells };
    await scope.register(userListRoute, { prefix: '/api/users', ...admin });
    await scope.register(adminRoutes, { prefix: '/api/admin', ...admin });
    await scope.register(workspaceRoutes, {
      prefix: '/api/sessions',
      workspaces: services.workspaces,
      cells: services.cells,
    });
    await scope.register(cellRoutes, { prefix: workspacePrefix, ...services });
    await scope.register(formatRoutes, { prefix: workspacePrefix, ...services });
    await scope.register(librarySourceRoutes, { prefix: workspacePrefix, ...services });
    // The prototype stopped a workspace's pod here, outside /api.
    await scope.register(legacyShutdownRoute, { prefix: '/workspace/:uuid', ...services });
    // A worker hands a WebSocket upgrade back with its connection (processes/worker.ts).
    if (role.kind !== 'worker') {
      await scope.register(websocketRoutes, {
        ...services,
        publicUrl: config.PUBLIC_URL,
        heartbeatMs: config.WS_HEARTBEAT_MS,
      });
    }
  });
  // Last only for reading: the router prefers every route above to its catch-all.
  await app.register(webAppRoutes, { webDir: config.WEB_DIR });
  return app;
}
