import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's default process metrics (`process_*`, `nodejs_*`): memory, CPU, event-loop
 * delay (p50, p90, p99, max since the last scrape, from perf_hooks.monitorEventLoopDelay),
 * garbage collection, file descriptors. Its event-loop monitor and GC observer live as long
 * as the process and cannot be stopped, so only a server that serves metrics starts them.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
}
