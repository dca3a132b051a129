/**
 * Liveness for anyone (load balancers), and a detailed report for administrators and for
 * monitoring holding METRICS_TOKEN: it names versions and the host's isolation, which a
 * stranger has no business knowing.
 */
import { detailedHealth, errorResponse, type CellState } from '@workcell/protocol';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { requireAdminOrMetricsToken } from '../admin/access';
import type { CellManager } from '../cells/manager';
import { pingDatabase, type DatabaseHandle } from '../store/database';
import { version } from '../version';

const tags = ['health'];
/** A driver's probe that takes longer than this (a slow cluster API) reports `usable: null`. */
const PROBE_TIMEOUT_MS = 3000;
/**
 * Probing touches the host (the local driver writes its runtime files and prepares cgroups
 * again), so a report polled by monitoring is probed at most this often.
 */
const REPROBE_MS = 5 * 60_000;

interface Options {
  database: DatabaseHandle;
  cells: CellManager;
  metricsToken: string | undefined;
  /** SERVER_PROCESSES, and how many of them are serving. */
  processes: () => { configured: number; ready: number };
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | null> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.catch(() => null),
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms))),
  ]).finally(() => clearTimeout(timer));
};

/** `probe`, answered from the last call for `ms` unless that one failed. */
function cachedFor<T>(probe: () => Promise<T>, ms: number): () => Promise<T> {
  let last: { result: Promise<T>; at: number } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ms) {
      const result = probe();
      const entry = { result, at: Date.now() };
      last = entry;
      result.catch(() => {
        if (last === entry) last = undefined;
      });
    }
    return last.result;
  };
}

async function cellsByState(database: DatabaseHandle) {
  const rows = await database.db
    .selectFrom('cells')
    .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  const counts: Partial<Record<CellState, number>> = {};
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}

export const healthRoutes: FastifyPluginAsyncZod<Options> = async (app, options) => {
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

  const isolation = cachedFor(() => options.cells.probeIsolation(), REPROBE_MS);
  await app.register(async (detailed) => {
    requireAdminOrMetricsToken(detailed, options.metricsToken);
    detailed.withTypeProvider<ZodTypeProvider>().get(
      '/detailed',
      {
        schema: {
          tags,
          summary:
            'Database, cell driver, cells by state, egress, server processes, versions, uptime (admins, or `Authorization: Bearer <METRICS_TOKEN>`)',
          response: { 200: detailedHealth, 401: errorResponse, 403: errorResponse },
        },
      },
      async () => {
        const { database, cells } = options;
        const [latencyMs, report, byState] = await Promise.all([
          pingDatabase(database.db).catch(() => null),
          within(isolation(), PROBE_TIMEOUT_MS),
          cellsByState(database).catch(() => null),
        ]);
        const memory = process.memoryUsage();
        const processes = options.processes();
        return {
          status:
            latencyMs === null || processes.ready < processes.configured
              ? ('degraded' as const)
              : ('ok' as const),
          versions: { server: version, node: process.versions.node },
          uptimeSeconds: Math.round(process.uptime()),
          database: {
            kind: database.kind,
            reachable: latencyMs !== null,
            latencyMs: latencyMs === null ? null : Math.round(latencyMs * 100) / 100,
          },
          cellDriver: { name: cells.driverName, usable: report?.usable ?? null },
          cells: byState,
          egress: { enabled: cells.egressEnabled },
          serverProcesses: processes,
          memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
        };
      },
    );
  });
};
