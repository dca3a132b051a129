/**
 * What the cell manager needs from a place to run cells. One implementation per kind of
 * host: `local` (bubblewrap + cgroups on this Linux machine) and `kubernetes` (a pod per
 * running cell). A driver starts the agent isolated and hands back its
 * byte channel; everything spoken over that channel is the agent protocol
 * (@workcell/protocol/agent), the same for every driver.
 */
import type { Duplex } from 'node:stream';

export interface CellLimits {
  memoryBytes: number;
  /** Fraction of one core, e.g. 0.5. */
  cpuCores: number;
  cpuPeriodUs: number;
  pids: number;
  /** Size of the workspace volume mounted at /app. */
  diskBytes: number;
  tmpBytes: number;
  homeBytes: number;
}

/** A cell that may reach allowed hosts through its agent's proxy (egress/, docs/operations.md). */
export interface EgressSettings {
  /** CELL_PIP_INDEX_URL: the index pip uses instead of PyPI. */
  pipIndexUrl?: string;
}

/**
 * What a cell is made with, whichever workspace it serves: the server's settings. A warm
 * pool's sandboxes are made from it before any workspace is known.
 */
export interface CellTemplate {
  limits: CellLimits;
  /** Commands masked inside the cell by a stub that says they are blocked. */
  blockedCommands: readonly string[];
  /** Absent: the cell reaches nothing beyond its loopback. */
  egress?: EgressSettings;
}

export interface CellSpec extends CellTemplate {
  workspaceId: string;
  /** The workspace owner's user id, for drivers that label what they make. */
  ownerId: string;
  /** Told of start steps worth showing the user (scheduled, pulling the image). */
  progress?: (message: string) => void;
}

/** Why a cell process died, in words a user understands. */
export interface LimitEvent {
  kind: 'memory' | 'pids' | 'disk' | 'cpu';
  message: string;
}

export interface CellExit {
  reason: string;
  stopped?: boolean;
  detached?: boolean;
}

export interface RunningCell extends AsyncDisposable {
  readonly workspaceId: string;
  /** The agent's stdio: frames in, frames out. Ends when the cell dies. */
  readonly channel: Duplex;
  /**
   * Resolves once the cell has gone, or this server's channel to it has. `stopped`: it was
   * stopped from outside (its pod deleted), not broken. `detached`: only the channel went;
   * the cell may still run (a shared cell, reached again by the next start).
   */
  readonly exited: Promise<CellExit>;
  /** Limit hits since the last call (OOM kills, pid exhaustion); host-side facts. */
  takeLimitEvents(): Promise<LimitEvent[]>;
  /** Kills every process of the cell and releases its resources; idempotent. */
  stop(): Promise<void>;
  /**
   * Lets go of the cell without stopping it: another replica has taken it over. A driver
   * whose cells cannot outlive this server stops it.
   */
  detach(): Promise<void>;
}

export interface IsolationFeature {
  name: string;
  ok: boolean;
  detail: string;
  /** Missing this feature makes starting a cell impossible (not just degraded). */
  required: boolean;
}

export interface IsolationReport {
  driver: string;
  /** False when a required feature is missing: no cell may start. */
  usable: boolean;
  features: IsolationFeature[];
}

/** Where a driver's cells keep what the server reaches into; the same for all its cells. */
export interface CellLayout {
  /** The workspace's files: the agent's root and the working directory of user code. */
  root: string;
  /** The pyright package the cell's language server runs from (`langserver.index.js`). */
  pyright: string;
}

export interface CellDriver {
  readonly name: string;
  readonly layout: CellLayout;
  /**
   * Its cells outlive the server that started them and every replica reaches them, so a
   * replica may take over a cell another one runs (instead of refusing with CELL_ELSEWHERE).
   */
  readonly sharedCells: boolean;
  /** What this host provides; cheap enough to call at start and from `workcell doctor`. */
  probe(): Promise<IsolationReport>;
  /**
   * Starts the cell and its agent, or, with shared cells, connects to the one running;
   * rejects with ISOLATION_UNAVAILABLE naming what is missing.
   */
  start(spec: CellSpec): Promise<RunningCell>;
  /**
   * Deletes the workspace's volume (the cell's cached copy of its files) for good: the
   * workspace is being deleted. Its cell must not be running.
   */
  removeVolume(workspaceId: string): Promise<void>;
  /**
   * Finds cells left behind by a crashed server (processes, cgroups, mounts) whose
   * workspace is not in `keep`, and removes them. Returns the workspace ids cleaned.
   */
  sweepOrphans(keep: ReadonlySet<string>): Promise<string[]>;
  /** Releases what the driver holds for its cells as a whole; its cells must have stopped. */
  close(): Promise<void>;
}
