import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { ServerMetrics } from './server-metrics';

/**
 * Times every HTTP request by its route pattern (`/api/workspace/:uuid/file/*`), never its
 * URL: a URL holds workspace ids and file paths, and would make a series per file. A
 * request no route matched is `unmatched`.
 */
export function recordHttpDurations(
  app: FastifyInstance,
  metrics: ServerMetrics,
  /** Requests another process answered and times itself (processes/forward.ts). */
  timedElsewhere: (request: FastifyRequest) => boolean = () => false,
): void {
  app.addHook('onResponse', async (request, reply) => {
    if (timedElsewhere(request)) return;
    metrics.httpRequestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
