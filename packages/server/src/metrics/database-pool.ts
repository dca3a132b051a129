import { Gauge, type Registry } from 'prom-client';

import type { PoolStats } from '../store/database';

/**
 * The PostgreSQL pool's connections in use and idle, and the queries waiting for one: a
 * pool that is always full with queries waiting wants a larger DATABASE_POOL_SIZE (or a
 * faster database). Read from the pool when scraped.
 */
export function gaugeDatabasePool(registry: Registry, pool: PoolStats): void {
  new Gauge({
    name: 'workcell_database_pool_connections',
    help: "The PostgreSQL pool's connections by state: in_use or idle.",
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
    },
  });
  new Gauge({
    name: 'workcell_database_pool_waiting_queries',
    help: 'Queries waiting for a PostgreSQL connection because every one is in use.',
    registers: [registry],
    collect() {
      this.set(pool.waitingCount);
    },
  });
}
