/**
 * What the primary server process and its workers tell each other over the IPC channel
 * of `fork` (primary.ts, worker.ts). A connection travels with its message as a handle.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** Set in a worker's environment: its number among the workers, from 1. */
export const WORKER_ENV = 'WORKCELL_SERVER_WORKER';
/** Set in a worker's environment: the directory of the processes' private sockets. */
export const RUN_DIR_ENV = 'WORKCELL_SERVER_RUN_DIR';

export type ToWorker =
  /** A client's connection, not yet read from; `id` names it in `closed` and `upgrade`. */
  | { kind: 'connection'; id: number }
  /** The answer to `whenSynced`. */
  | { kind: 'synced'; request: number }
  /**
   * Workspaces whose cell runs (`running`) or no longer runs (`stopped`), on the worker's
   * start and at every change: a worker asks `whenSynced` only for those.
   */
  | { kind: 'cells'; running: string[]; stopped: string[] }
  /** Asks for the worker's metrics, to be summed with the primary's for GET /metrics. */
  | { kind: 'metrics'; request: number };

export type ToPrimary =
  /** The worker serves; connections may come. */
  | { kind: 'ready' }
  | { kind: 'closed'; id: number }
  /**
   * A WebSocket upgrade, handed back with its connection: sockets live in the primary,
   * beside the cells. `head` is the request as it came (base64), to be read again there.
   */
  | { kind: 'upgrade'; id: number; head: string }
  /** Asks to be answered once the workspace's cell has synced (`CellManager.synced`). */
  | { kind: 'whenSynced'; request: number; workspaceId: string }
  /** The answer to `metrics`: prom-client's `getMetricsAsJSON()`. */
  | { kind: 'metrics'; request: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };

export const primaryFile = (runDir: string) => `${runDir}/primary.sock`;
export const workerFile = (runDir: string, index: number) => `${runDir}/worker-${index}.sock`;
