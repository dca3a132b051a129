import { errorCodes, type DetailedHealth } from '@workcell/protocol';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  listRoutes,
  registerUser,
  type TestUser,
} from '../test-support/api-harness';
import { version } from '../version';

const METRICS_TOKEN = 'a-monitoring-token-of-some-length';
const metrics = { authorization: `Bearer ${METRICS_TOKEN}` };

forEachDatabase('HTTP app: errors, health, docs', (ctx) => {
  let user: TestUser;
  beforeAll(async () => {
    user = await registerUser(ctx.app, 'http');
  });

  describe('errors', () => {
    it('an unknown route is 404 NOT_FOUND in the error shape', async () => {
      for (const url of ['/api/nope', '/nothing/here', '/api/workspace']) {
        expectError(await ctx.app.inject({ url }), 404, 'NOT_FOUND');
      }
      expectError(await ctx.app.inject({ method: 'DELETE', url: '/api/health' }), 404, 'NOT_FOUND');
    });

    it('malformed JSON is 400 VALIDATION_FAILED without internals', async () => {
      for (const [url, headers] of [
        ['/api/users/register', {}],
        ['/api/sessions/', bearer(user)],
      ] as const) {
        const response = await ctx.app.inject({
          method: 'POST',
          url,
          headers: { ...headers, 'content-type': 'application/json' },
          payload: '{"username": "x", ',
        });
        const body = expectError(response, 400, 'VALIDATION_FAILED');
        expect(body.error.message).not.toMatch(/SyntaxError|JSON\.parse|at position \d+ \(/);
      }
    });

    it('a body nested 100,000 deep is 400 VALIDATION_FAILED, and nothing is created', async () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/api/sessions/',
        headers: { ...bearer(user), 'content-type': 'application/json' },
        payload: `{"name": "deep", "template": ${deep}}`,
      });
      expect(expectError(response, 400, 'VALIDATION_FAILED').error.message).toBe(
        'The body nests deeper than 64 levels.',
      );
      const list = await ctx.app.inject({ url: '/api/sessions/', headers: bearer(user) });
      expect(JSON.stringify(list.json())).not.toContain('"deep"');
    });

    it('an empty JSON body and a wrong content type are refused in the error shape', async () => {
      expectError(
        await ctx.app.inject({
          method: 'POST',
          url: '/api/sessions/',
          headers: { ...bearer(user), 'content-type': 'application/json' },
          payload: '',
        }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(
        await ctx.app.inject({
          method: 'POST',
          url: '/api/sessions/',
          headers: { ...bearer(user), 'content-type': 'application/xml' },
          payload: '<name>x</name>',
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('a validation error names the field, and the body is only {error: {code, message}}', async () => {
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username: 'ok_name', email: 'bad', password: 'long enough' },
      });
      const body = expectError(response, 400, 'VALIDATION_FAILED');
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.message).toMatch(/email/);
    });

    it('a URL that is not valid UTF-8 is 400 in the error shape', async () => {
      expectError(
        await ctx.app.inject({ url: '/api/sessions/%FF', headers: bearer(user) }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('error codes come from the catalogue', async () => {
      const workspace = await createWorkspace(ctx.app, user);
      const responses = await Promise.all([
        ctx.app.inject({ url: '/api/nope' }),
        ctx.app.inject({ url: '/api/users/me' }),
        ctx.app.inject({ url: `/api/workspace/${workspace.uuid}/file/x`, headers: bearer(user) }),
      ]);
      for (const response of responses)
        expect(errorCodes).toContain(response.json<{ error: { code: string } }>().error.code);
    });
  });

  describe('health', () => {
    it('GET /api/health/ is {status: ok}, with or without the trailing slash', async () => {
      for (const url of ['/api/health/', '/api/health']) {
        const response = await ctx.app.inject({ url });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ status: 'ok' });
      }
    });

    it('GET /api/health/detailed is for administrators and the metrics token only', async () => {
      const { app } = await ctx.buildApp({ METRICS_TOKEN });
      expectError(await app.inject({ url: '/api/health/detailed' }), 401, 'UNAUTHENTICATED');
      expectError(
        await app.inject({ url: '/api/health/detailed', headers: bearer(user) }),
        403,
        'ADMIN_ONLY',
      );
      expectError(
        await app.inject({
          url: '/api/health/detailed',
          headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
        }),
        401,
        'UNAUTHENTICATED',
      );
      // Without METRICS_TOKEN configured, no token is the metrics token.
      expectError(
        await ctx.app.inject({ url: '/api/health/detailed', headers: metrics }),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('GET /api/health/detailed reports database, cell driver, cells, egress, versions, uptime', async () => {
      const { app } = await ctx.buildApp({ METRICS_TOKEN });
      const response = await app.inject({ url: '/api/health/detailed', headers: metrics });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<DetailedHealth>();
      expect(body).toMatchObject({
        status: 'ok',
        versions: { server: version, node: process.versions.node },
        cellDriver: { name: 'local' },
        egress: { enabled: false },
        serverProcesses: { configured: 1, ready: 1 },
      });
      expect(body.database).toEqual({
        kind: ctx.kind,
        reachable: true,
        latencyMs: expect.any(Number) as number,
      });
      expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
      expect(typeof body.cellDriver.usable).toBe('boolean');
      expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
      expect(body.memory.rssBytes).toBeGreaterThan(0);

      // Cells by state, counted from the cells table (every replica's).
      const workspace = await createWorkspace(ctx.app, user, 'health');
      await ctx.db
        .insertInto('cells')
        .values({ workspace_id: workspace.uuid, state: 'stopped', driver: 'local' })
        .execute();
      const after = (
        await app.inject({ url: '/api/health/detailed', headers: metrics })
      ).json<DetailedHealth>();
      expect(after.cells?.stopped).toBe((body.cells?.stopped ?? 0) + 1);
    });

    it('an administrator may read it too', async () => {
      const admin = await registerUser(ctx.app, 'health');
      const { app } = await ctx.buildApp({ ADMIN_USERS: admin.username });
      const response = await app.inject({ url: '/api/health/detailed', headers: bearer(admin) });
      expect(response.statusCode, response.body).toBe(200);
    });
  });

  describe('API docs (served without internet)', () => {
    /** src/href URLs in an HTML page. */
    const references = (html: string) =>
      [...html.matchAll(/(?:src|href)=["']([^"']+)["']/g)].map((match) => match[1]!);

    it('/docs serves Swagger UI from bundled assets', async () => {
      const page = await ctx.app.inject({ url: '/docs' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toMatch(/swagger-ui/i);
      const urls = references(page.body);
      const scripts = urls.filter((url) => url.endsWith('.js'));
      expect(scripts.length).toBeGreaterThan(0);
      for (const url of urls) {
        expect(url).not.toMatch(/^(https?:)?\/\//);
        const asset = await ctx.app.inject({
          url: new URL(url, 'http://localhost/docs/').pathname,
        });
        expect(asset.statusCode, url).toBe(200);
      }
      const bundle = await ctx.app.inject({
        url: new URL(scripts[0]!, 'http://localhost/docs/').pathname,
      });
      expect(bundle.headers['content-type']).toMatch(/javascript/);
      expect(bundle.body.length).toBeGreaterThan(10_000);
      // The initializer loads nothing from a CDN either.
      const initializer = urls.find((url) => url.includes('initializer'));
      if (initializer) {
        const script = await ctx.app.inject({
          url: new URL(initializer, 'http://localhost/docs/').pathname,
        });
        expect(script.body).not.toMatch(/unpkg|jsdelivr|cdnjs|googleapis|cdn\./i);
      }
    });

    it('/redoc serves a page using the bundled /redoc/redoc.standalone.js', async () => {
      const page = await ctx.app.inject({ url: '/redoc' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const urls = references(page.body);
      expect(urls).toContain('/redoc/redoc.standalone.js');
      for (const url of urls) expect(url).not.toMatch(/^(https?:)?\/\//);
      expect(page.body).toMatch(/spec-url=["']\/openapi\.json["']/);
      const bundle = await ctx.app.inject({ url: '/redoc/redoc.standalone.js' });
      expect(bundle.statusCode).toBe(200);
      expect(bundle.headers['content-type']).toMatch(/javascript/);
      expect(bundle.body.length).toBeGreaterThan(100_000);
    });

    it('/openapi.json documents every /api route with its methods', async () => {
      const response = await ctx.app.inject({ url: '/openapi.json' });
      expect(response.statusCode).toBe(200);
      const spec = response.json<{
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      }>();
      expect(spec.openapi).toMatch(/^3\./);
      // WebSocket routes cannot be in OpenAPI (@fastify/websocket hides them): the language
      // server's is described in docs/websocket.md.
      const webSockets = new Set(['/api/workspace/:uuid/lsp']);
      const apiRoutes = listRoutes(ctx.app).filter(
        (route) =>
          route.url.startsWith('/api/') && route.method !== 'HEAD' && !webSockets.has(route.url),
      );
      expect(apiRoutes.length).toBeGreaterThan(15);
      for (const route of apiRoutes) {
        const path = route.url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}');
        expect(Object.keys(spec.paths), route.url).toContain(path);
        expect(Object.keys(spec.paths[path]!), `${route.method} ${route.url}`).toContain(
          route.method.toLowerCase(),
        );
      }
    });
  });

  describe('when the database goes away', () => {
    it('detailed health says so instead of failing, and API calls answer 503 or 500 in the error shape', async () => {
      const { app } = await ctx.buildApp({ METRICS_TOKEN });
      await ctx.database.close();
      const health = await app.inject({ url: '/api/health/detailed', headers: metrics });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toMatchObject({
        status: 'degraded',
        database: { kind: ctx.kind, reachable: false, latencyMs: null },
        cells: null,
      });
      const me = await app.inject({ url: '/api/users/me', headers: bearer(user) });
      expect([500, 503]).toContain(me.statusCode);
      const body = me.json<{ error: { code: string; message: string } }>();
      expect(['DATABASE_UNAVAILABLE', 'INTERNAL']).toContain(body.error.code);
      expect(body.error.message).not.toMatch(/select|kysely|destroyed|pglite|pg\b/i);
    });
  });
});
