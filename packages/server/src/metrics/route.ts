/**
 * `GET /metrics`: the server's metrics in Prometheus's text format, for a scraper holding
 * METRICS_TOKEN. Without METRICS_TOKEN the route answers 404, as if absent: metrics are
 * off unless an operator chose a token, so nothing about the server's load is public by
 * default. (The route stays registered so that the web app's catch-all never answers it.)
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import { errorResponse } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';
import * as z from 'zod';

import { WorkcellError } from '../errors';

const exposition = z.string().meta({ description: 'Prometheus text exposition format 0.0.4' });

/** Compares digests, so neither the content nor the length of the token shows in the timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export const metricsRoute: FastifyPluginAsyncZod<{
  registry: Registry;
  token: string | undefined;
  /** The other server processes' metrics (processes/), summed with this one's. */
  others?: () => Promise<MetricObjectWithValues<MetricValue<string>>[][]>;
}> = async (app, { registry, token, others }) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary:
          'Metrics in Prometheus text format (docs/operations.md lists them); needs `Authorization: Bearer <METRICS_TOKEN>`, and answers 404 while METRICS_TOKEN is unset',
        security: [{ metricsToken: [] }],
        response: {
          200: {
            description: 'The metrics',
            content: { 'text/plain; version=0.0.4': { schema: exposition } },
          },
          401: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request, reply) => {
      if (token === undefined) {
        throw new WorkcellError('NOT_FOUND', 'Metrics are off: the server has no METRICS_TOKEN.');
      }
      const header = request.headers.authorization;
      if (!header?.startsWith('Bearer ') || !sameSecret(header.slice('Bearer '.length), token)) {
        throw new WorkcellError(
          'UNAUTHENTICATED',
          'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.',
          undefined,
          { 'www-authenticate': 'Bearer realm="metrics"' },
        );
      }
      const all = others
        ? AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), ...(await others())])
        : registry;
      return reply.type(registry.contentType).send(await all.metrics());
    },
  );
};
