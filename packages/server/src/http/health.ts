import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { pingDatabase, type DatabaseHandle } from '../store/database';
import { version } from '../version';

const tags = ['health'];

export const healthRoutes: FastifyPluginAsyncZod<{ database: DatabaseHandle }> = async (
  app,
  { database },
) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Liveness',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/detailed',
    {
      schema: {
        tags,
        summary: 'Database reachability and latency, uptime, memory, version',
        response: {
          200: z.object({
            status: z.enum(['ok', 'degraded']),
            version: z.string(),
            uptimeSeconds: z.number(),
            database: z.object({
              kind: z.string(),
              reachable: z.boolean(),
              latencyMs: z.number().nullable(),
            }),
            memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number() }),
          }),
        },
      },
    },
    async () => {
      const latencyMs = await pingDatabase(database.db).catch(() => null);
      const memory = process.memoryUsage();
      return {
        status: latencyMs === null ? ('degraded' as const) : ('ok' as const),
        version,
        uptimeSeconds: Math.round(process.uptime()),
        database: {
          kind: database.kind,
          reachable: latencyMs !== null,
          latencyMs: latencyMs === null ? null : Math.round(latencyMs * 100) / 100,
        },
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
      };
    },
  );
};
