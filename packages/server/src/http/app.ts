/**
 * Assembles the HTTP server from the domain modules. Each module's routes are a plugin
 * with its own prefix; the services they use are built once here and passed in.
 */
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';

import { authPlugin } from '../auth/plugin';
import { userRoutes } from '../auth/routes';
import { AuthService } from '../auth/service';
import type { Config } from '../config';
import { fileRoutes } from '../files/routes';
import { FileService } from '../files/service';
import type { DatabaseHandle } from '../store/database';
import { workspaceRoutes } from '../workspaces/routes';
import { WorkspaceService } from '../workspaces/service';
import { workspaceStatusRoutes } from '../workspaces/status-routes';
import { registerDocs } from './docs';
import { installErrorHandler } from './error-handler';
import { healthRoutes } from './health';

export interface Services {
  config: Config;
  database: DatabaseHandle;
  auth: AuthService;
  files: FileService;
  workspaces: WorkspaceService;
}

export function createServices(config: Config, database: DatabaseHandle): Services {
  const files = new FileService(database.db, {
    maxFileBytes: config.MAX_FILE_BYTES,
    maxWorkspaceBytes: config.MAX_WORKSPACE_BYTES,
    revisionsPerFile: config.REVISIONS_PER_FILE,
  });
  return {
    config,
    database,
    auth: new AuthService(database.db, config.SESSION_TTL_DAYS),
    files,
    workspaces: new WorkspaceService(database.db, files),
  };
}

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger: config.LOG_LEVEL === 'silent' ? false : { level: config.LOG_LEVEL },
    trustProxy: false,
    // Paths like /api/sessions and /api/sessions/ are the same route (the prototype used both).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, config.MAX_FILE_BYTES);

  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(authPlugin, { auth: services.auth });
  await registerDocs(app);

  await app.register(healthRoutes, { prefix: '/api/health', database: services.database });
  await app.register(userRoutes, { prefix: '/api/users', auth: services.auth, config });
  await app.register(workspaceRoutes, { prefix: '/api/sessions', workspaces: services.workspaces });
  const workspacePrefix = '/api/workspace/:uuid';
  await app.register(fileRoutes, {
    prefix: workspacePrefix,
    files: services.files,
    workspaces: services.workspaces,
  });
  await app.register(workspaceStatusRoutes, {
    prefix: workspacePrefix,
    files: services.files,
    workspaces: services.workspaces,
  });
  return app;
}
