import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  registerUser,
} from '../test-support/api-harness';
import { parseScrape, total } from '../test-support/scrape';

const TOKEN = 'metrics-token-for-the-tests';

const scrape = (app: FastifyInstance, token = TOKEN) =>
  app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });

forEachDatabase('GET /metrics', (ctx) => {
  it('answers 404 while METRICS_TOKEN is unset: metrics are off', async () => {
    const user = await registerUser(ctx.app, 'nometrics');
    expectError(await ctx.app.inject({ url: '/metrics' }), 404, 'NOT_FOUND');
    expectError(await scrape(ctx.app), 404, 'NOT_FOUND');
    expectError(await ctx.app.inject({ url: '/metrics', headers: bearer(user) }), 404, 'NOT_FOUND');
  });

  it('is in OpenAPI as text behind its own bearer scheme', async () => {
    const spec = (await ctx.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, { get?: { security?: unknown; responses?: Record<string, unknown> } }>;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    const operation = spec.paths['/metrics']?.get;
    expect(operation?.security).toEqual([{ metricsToken: [] }]);
    expect(Object.keys(operation?.responses ?? {})).toEqual(['200', '401', '404']);
    expect(JSON.stringify(operation?.responses?.['200'])).toContain('text/plain');
    expect(spec.components.securitySchemes.metricsToken).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  describe('with METRICS_TOKEN', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      ({ app } = await ctx.buildApp({ METRICS_TOKEN: TOKEN }));
    });

    it("answers 401 without the token, with a wrong one, and with a user's token", async () => {
      const user = await registerUser(app, 'scraper');
      const refusals = [
        await app.inject({ url: '/metrics' }),
        await scrape(app, `${TOKEN}x`),
        await scrape(app, TOKEN.slice(0, -1)),
        await app.inject({ url: '/metrics', headers: { authorization: TOKEN } }),
        await app.inject({ url: '/metrics', headers: bearer(user) }),
      ];
      for (const response of refusals) {
        expectError(response, 401, 'UNAUTHENTICATED');
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(response.body).not.toContain('workcell_');
      }
    });

    it('shows saves by route pattern, process memory and event-loop delay, and names nobody', async () => {
      const user = await registerUser(app, 'metricsuser');
      const workspace = await createWorkspace(app, user, 'Metrics workspace');
      const saved = await app.inject({
        method: 'POST',
        url: `/api/workspace/${workspace.uuid}/file/secret_plans/notes.py`,
        headers: bearer(user),
        payload: { content: 'x = 1\n' },
      });
      expect(saved.statusCode, saved.body).toBe(201);

      const response = await scrape(app);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const metrics = parseScrape(response.body);
      expect(
        total(metrics, 'workcell_http_request_duration_seconds_count', {
          method: 'POST',
          route: '/api/workspace/:uuid/file/*',
          status: '201',
        }),
      ).toBe(1);
      expect(
        total(metrics, 'workcell_http_request_duration_seconds_count', {
          route: '/api/users/register',
          status: '201',
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(total(metrics, 'workcell_file_save_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(total(metrics, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(total(metrics, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(metrics.types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
      expect(total(metrics, 'workcell_cells', { state: 'ready' })).toBe(0);
      expect(total(metrics, 'workcell_egress_connections_total')).toBe(0);

      for (const secret of [user.username, user.id, workspace.uuid, 'secret_plans', 'notes.py'])
        expect(response.body, secret).not.toContain(secret);
    });

    it(`reports the PostgreSQL pool on PostgreSQL only (${ctx.kind})`, async () => {
      // A query just made leaves its connection in the pool, idle.
      await ctx.db.selectFrom('users').select('id').execute();
      const metrics = parseScrape((await scrape(app)).body);
      if (ctx.kind === 'postgres') {
        expect(metrics.types.get('workcell_database_pool_connections')).toBe('gauge');
        expect(total(metrics, 'workcell_database_pool_connections')).toBeGreaterThanOrEqual(1);
        expect(total(metrics, 'workcell_database_pool_waiting_queries')).toBe(0);
      } else {
        expect(metrics.types.has('workcell_database_pool_connections')).toBe(false);
      }
    });
  });
});
