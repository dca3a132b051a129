/**
 * Where each egress connection is told once it ends, besides the log: the metrics count
 * it, and a refused one joins the admin view's recent refusals.
 */
import { recordEgressRefusal } from '../admin/egress-refusals';
import type { ServerMetrics } from '../metrics/server-metrics';
import type { EgressConnectionResult } from './service';

export function reportEgress(metrics: ServerMetrics, connection: EgressConnectionResult): void {
  metrics.recordEgressConnection(connection.allowed ? 'allowed' : 'refused');
  if (!connection.allowed)
    recordEgressRefusal({
      workspaceId: connection.workspaceId,
      host: connection.host,
      port: connection.port,
      reason: connection.reason ?? 'refused',
    });
}
