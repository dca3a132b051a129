/**
 * OpenAPI generated from the route schemas, Swagger UI at /docs and ReDoc at /redoc —
 * both served from packages installed with Workcell, so the docs work without internet.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

import { version } from '../version';

const redocBundle = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');

const redocPage = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Workcell API — ReDoc</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
  <body>
    <redoc spec-url="/openapi.json"></redoc>
    <script src="/redoc/redoc.standalone.js"></script>
  </body>
</html>`;

export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Workcell API',
        version,
        description:
          'Accounts, workspaces (called sessions, as in the prototype), files and cells. Every route but register, login, liveness (`/api/health`) and metrics needs the session cookie or `Authorization: Bearer <token>`. `GET /api/users/` and everything under `/api/admin/` are for administrators (ADMIN_USERS or `workcell admin grant`; others get 403 `ADMIN_ONLY`); `/api/health/detailed` for administrators or `Authorization: Bearer <METRICS_TOKEN>`, and `/metrics` for the metrics token only. Errors are `{error: {code, message}}`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'workcell_session' },
          metricsToken: {
            type: 'http',
            scheme: 'bearer',
            description: "The server's METRICS_TOKEN, not a user's token: only for /metrics.",
          },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/redoc', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(redocPage),
  );
  const bundle = readFile(redocBundle);
  app.get('/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(await bundle),
  );
}
