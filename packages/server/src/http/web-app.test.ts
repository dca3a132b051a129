import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  registerUser,
  type TestUser,
} from '../test-support/api-harness';
import { CONTENT_SECURITY_POLICY } from './web-app';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/x.js"></script></head><body><div id="root"></div></body></html>\n';
const SCRIPT = 'console.log("the web app");\n';
const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

function expectAppHtml(response: { statusCode: number; headers: Record<string, unknown> }) {
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  expect(response.headers['cache-control']).toBe('no-cache');
  expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['referrer-policy']).toBe('same-origin');
}

forEachDatabase('the web app on the same origin (WEB_DIR)', (ctx) => {
  let webDir: string;
  let app: FastifyInstance;
  let missing: FastifyInstance;
  let user: TestUser;

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), 'workcell-web-'));
    await mkdir(join(webDir, 'assets'));
    await writeFile(join(webDir, 'index.html'), INDEX);
    await writeFile(join(webDir, 'assets', 'x.js'), SCRIPT);
    await writeFile(join(webDir, 'assets', 'x.js.br'), brotliCompressSync(SCRIPT));
    await writeFile(join(webDir, 'assets', 'x.js.gz'), gzipSync(SCRIPT));
    await writeFile(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(webDir, '.env'), 'SECRET=1\n');
    app = (await ctx.buildApp({ WEB_DIR: webDir })).app;
    missing = (await ctx.buildApp({ WEB_DIR: join(webDir, 'not-built') })).app;
    user = await registerUser(app, 'web');
  });
  afterAll(async () => {
    await rm(webDir, { recursive: true, force: true });
  });

  describe('with a build', () => {
    it('/ is index.html, with the security headers and no caching', async () => {
      for (const headers of [html, {}, { accept: 'application/json' }]) {
        const response = await app.inject({ url: '/', headers });
        expectAppHtml(response);
        expect(response.body).toBe(INDEX);
      }
      expectAppHtml(await app.inject({ url: '/index.html' }));
    });

    it("the app's own routes reload as index.html: /login, /w/<uuid>, anything a browser navigates to", async () => {
      const workspace = await createWorkspace(app, user);
      for (const url of [
        '/login',
        '/login/',
        `/w/${workspace.uuid}`,
        '/settings?tab=editor',
        '/a/b/c',
      ]) {
        const response = await app.inject({ url, headers: html });
        expectAppHtml(response);
        expect(response.body, url).toBe(INDEX);
      }
      // HEAD too (a browser revalidating).
      const head = await app.inject({ method: 'HEAD', url: '/login', headers: html });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    });

    it('/assets/x.js is JavaScript, cached as immutable', async () => {
      const response = await app.inject({ url: '/assets/x.js' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^(text|application)\/javascript/);
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.body).toBe(SCRIPT);
      // Revalidation works as for any static file.
      const etag = response.headers.etag as string;
      expect(etag).toBeTruthy();
      const again = await app.inject({ url: '/assets/x.js', headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
    });

    it("the build's precompressed .br/.gz are sent to browsers that accept them", async () => {
      const brotli = await app.inject({
        url: '/assets/x.js',
        headers: { 'accept-encoding': 'gzip, deflate, br' },
      });
      expect(brotli.headers['content-encoding']).toBe('br');
      expect(brotli.headers.vary).toMatch(/accept-encoding/i);
      expect(brotli.headers['content-type']).toMatch(/javascript/);
      expect(brotliDecompressSync(brotli.rawPayload).toString()).toBe(SCRIPT);
      const gzip = await app.inject({
        url: '/assets/x.js',
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      const plain = await app.inject({ url: '/assets/x.js' });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body).toBe(SCRIPT);
    });

    it('other files of the build are served and revalidated', async () => {
      const response = await app.inject({ url: '/favicon.svg' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(response.headers['cache-control']).toBe('no-cache');
    });

    it('a missing asset is 404, never index.html in place of a script', async () => {
      for (const headers of [{}, html]) {
        expectError(await app.inject({ url: '/assets/gone.js', headers }), 404, 'NOT_FOUND');
      }
    });

    it('hidden files and paths outside WEB_DIR are not served', async () => {
      expectError(await app.inject({ url: '/.env' }), 404, 'NOT_FOUND');
      for (const url of [
        '/..%2f..%2fetc%2fpasswd',
        '/assets/..%2f..%2f.env',
        '/%2e%2e/%2e%2e/etc/passwd',
      ]) {
        const response = await app.inject({ url });
        expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(response.body).not.toContain('SECRET');
        expect(response.body).not.toContain('root:');
      }
    });

    it("the server's own paths keep their answers: the JSON 404, the API, the docs", async () => {
      for (const url of [
        '/api/nope',
        '/api',
        '/api/sessions/x/y/z',
        '/ws/nope',
        '/workspace/x',
        '/docs/nope',
        '/redoc/nope',
      ]) {
        for (const headers of [{}, html])
          expectError(await app.inject({ url, headers }), 404, 'NOT_FOUND');
      }
      expectError(await app.inject({ url: '/nothing/here' }), 404, 'NOT_FOUND');
      const health = await app.inject({ url: '/api/health', headers: html });
      expect(health.json()).toEqual({ status: 'ok' });
      const me = await app.inject({ url: '/api/users/me', headers: { ...html, ...bearer(user) } });
      expect(me.json()).toMatchObject({ id: user.id });
      expectError(
        await app.inject({ url: '/api/users/me', headers: html }),
        401,
        'UNAUTHENTICATED',
      );
      expect((await app.inject({ url: '/docs', headers: html })).body).toMatch(/swagger-ui/i);
      expect((await app.inject({ url: '/openapi.json', headers: html })).json()).toHaveProperty(
        'openapi',
      );
      // Other methods are not the app's.
      expectError(
        await app.inject({ method: 'POST', url: '/login', headers: html }),
        404,
        'NOT_FOUND',
      );
    });

    it('the catch-all is not in the OpenAPI document', async () => {
      const spec = (await app.inject({ url: '/openapi.json' })).json<{ paths: object }>();
      expect(
        Object.keys(spec.paths).filter(
          (path) =>
            !path.startsWith('/api/') && !path.startsWith('/workspace/') && path !== '/metrics',
        ),
      ).toEqual([]);
    });
  });

  describe('without a build', () => {
    it('/ says the web app is not built, and how to build it', async () => {
      const response = await missing.inject({ url: '/' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(response.body).toMatch(/not built/);
      expect(response.body).toContain('npm run build -w @workcell/web');
      expect((await missing.inject({ url: '/login', headers: html })).body).toMatch(/not built/);
    });

    it('everything else is the JSON 404, and the API works', async () => {
      expectError(await missing.inject({ url: '/assets/x.js' }), 404, 'NOT_FOUND');
      expectError(await missing.inject({ url: '/api/nope', headers: html }), 404, 'NOT_FOUND');
      expect((await missing.inject({ url: '/api/health' })).json()).toEqual({ status: 'ok' });
    });

    it('a build made while the server runs is served without a restart', async () => {
      const later = join(webDir, 'built-later');
      const { app: server } = await ctx.buildApp({ WEB_DIR: later });
      expect((await server.inject({ url: '/' })).body).toMatch(/not built/);
      await mkdir(join(later, 'assets'), { recursive: true });
      await writeFile(join(later, 'index.html'), INDEX);
      const response = await server.inject({ url: '/' });
      expectAppHtml(response);
      expect(response.body).toBe(INDEX);
    });
  });
});
