/**
 * The web app (packages/web's build) on the same origin as the API, so the session cookie
 * and the WebSocket need no CORS. Files of WEB_DIR are served under `/`; Vite's hashed
 * files under `/assets/` are cached for good, everything else is revalidated. A page
 * reload on one of the app's own routes (`/login`, `/w/<uuid>`) gets index.html, as does
 * any other navigation (Accept: text/html) outside the server's own paths, which keep
 * their JSON 404. WEB_DIR is looked at per request: building the app needs no restart.
 */
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** The app's HTML may load only what the server itself serves, and may not be framed. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  // 'self' covers same-origin ws:/wss: in current browsers (CSP Level 3).
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const HTML_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Paths the server answers itself: never the app, never index.html. */
const SERVER_PATHS = ['/api', '/docs', '/ws', '/openapi.json', '/redoc', '/workspace'];
const isServerPath = (path: string) =>
  SERVER_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

const acceptsHtml = (request: FastifyRequest) =>
  /\btext\/html\b/i.test(request.headers.accept ?? '');

const notBuiltPage = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Workcell</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
  <body>
    <h1>The web app is not built</h1>
    <p>The server and its API are running (see <a href="/docs">/docs</a>), but there is no web app to serve:
    build it with <code>npm run build -w @workcell/web</code> and reload this page
    (or point <code>WEB_DIR</code> at a build).</p>
  </body>
</html>
`;

export const webAppRoutes: FastifyPluginAsync<{ webDir: string }> = async (app, { webDir }) => {
  // Only reply.sendFile: the routing is ours. No directory index, no dotfiles.
  await app.register(fastifyStatic, {
    root: webDir,
    serve: false,
    index: false,
    dotfiles: 'ignore',
    cacheControl: false,
    // The web build writes .br and .gz beside each asset; no compression at request time.
    preCompressed: true,
    suppressWarning: true,
  });

  /** `relative` when it names a regular file inside WEB_DIR, not hidden. */
  async function fileOf(relative: string): Promise<string | undefined> {
    if (relative.split('/').some((segment) => segment.startsWith('.'))) return undefined;
    const absolute = resolve(webDir, relative);
    if (!absolute.startsWith(`${webDir}${sep}`)) return undefined;
    try {
      return (await stat(absolute)).isFile() ? relative : undefined;
    } catch {
      return undefined;
    }
  }

  const sendIndex = (reply: FastifyReply) =>
    reply.headers({ ...HTML_HEADERS, 'cache-control': 'no-cache' }).sendFile('index.html');

  app.get<{ Params: { '*': string } }>('/*', { schema: { hide: true } }, async (request, reply) => {
    const wanted = request.params['*'];
    if (isServerPath(`/${wanted}`)) return reply.callNotFound();
    const navigation = wanted === '' || acceptsHtml(request);
    if (!(await fileOf('index.html'))) {
      if (!navigation) return reply.callNotFound();
      return reply
        .headers({ ...HTML_HEADERS, 'cache-control': 'no-cache' })
        .type('text/html; charset=utf-8')
        .send(notBuiltPage);
    }
    if (wanted === '' || wanted === 'index.html') return sendIndex(reply);
    const file = await fileOf(wanted);
    if (file !== undefined) {
      reply
        .header('cache-control', file.startsWith('assets/') ? IMMUTABLE : 'no-cache')
        .header('x-content-type-options', 'nosniff');
      if (file.endsWith('.html')) reply.headers(HTML_HEADERS);
      return reply.sendFile(file);
    }
    // A missing asset is a 404, never HTML in place of a script.
    if (navigation && !wanted.startsWith('assets/')) return sendIndex(reply);
    return reply.callNotFound();
  });
};
