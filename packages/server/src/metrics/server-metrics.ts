/**
 * What one server records for Prometheus, declared in one place so that docs/operations.md
 * and the dashboard can be checked against it. Each server has its own registry (never
 * prom-client's global one): a test process runs several servers, and each must scrape
 * only its own. The owners of the events record into these where the events happen.
 *
 * Labels are bounded and say nothing about anyone: no user names, workspace ids, file
 * paths or raw URLs, only route patterns, kinds, states and outcomes.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where an egress proxy connection went: through, or refused by the policy. */
export type EgressResult = 'allowed' | 'refused';

/** Seconds; from a cached read to a slow upload. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; a warm pod is a fraction of one, a cold sandbox several, an image pull a minute. */
const CELL_START_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];
/** Seconds; one transaction or one exchange with the agent. */
const STORAGE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30];

export class ServerMetrics {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'workcell_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code, from arrival to the last byte sent.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  readonly websocketConnections = new Gauge({
    name: 'workcell_websocket_connections',
    help: 'Open WebSockets by kind: app (/ws: terminals, file events) or lsp (a language server).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly cellStartDuration = new Histogram({
    name: 'workcell_cell_start_duration_seconds',
    help: 'Cell starts by driver and outcome (ready or failed), from the request to ready with files synced.',
    labelNames: ['driver', 'outcome'] as const,
    buckets: CELL_START_BUCKETS,
    registers: [this.registry],
  });

  readonly terminalBytes = new Counter({
    name: 'workcell_terminal_bytes_total',
    help: 'Terminal bytes by direction: in (typed, towards the shells) and out (their output).',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });

  readonly fileSaveDuration = new Histogram({
    name: 'workcell_file_save_duration_seconds',
    help: 'Single-file saves by source (editor, api, terminal), the database transaction included.',
    labelNames: ['source'] as const,
    buckets: STORAGE_BUCKETS,
    registers: [this.registry],
  });

  readonly cellSyncDuration = new Histogram({
    name: 'workcell_cell_sync_duration_seconds',
    help: "Cell file sync steps by operation: reconcile (a whole rescan), push (a saved file into the cell), import (the cell's changes into the database).",
    labelNames: ['operation'] as const,
    buckets: STORAGE_BUCKETS,
    registers: [this.registry],
  });

  readonly lspRequestDuration = new Histogram({
    name: 'workcell_lsp_request_duration_seconds',
    help: 'Language server requests by LSP method (uncommon ones as "other"), from the browser\'s request to the server\'s answer.',
    labelNames: ['method'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  private readonly egressConnections = new Counter({
    name: 'workcell_egress_connections_total',
    help: "Connections through the cells' egress proxy, by result: allowed or refused.",
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Present from the start, so a rate is 0 rather than missing before the first event.
    for (const kind of ['app', 'lsp']) this.websocketConnections.set({ kind }, 0);
    for (const direction of ['in', 'out']) this.terminalBytes.inc({ direction }, 0);
    for (const result of ['allowed', 'refused']) this.egressConnections.inc({ result }, 0);
  }

  /** For the egress proxy: one connection it let through or refused. */
  recordEgressConnection(result: EgressResult): void {
    this.egressConnections.inc({ result });
  }
}
