/**
 * Started sandboxes waiting for a workspace (spares), so that the common start is a
 * hand-over (local-driver.ts: the workspace's volume mounted into the spare, its uid block
 * moved to the workspace), not a sandbox and agent start. A spare runs no user code
 * before its hand-over and never comes back: a stopped cell's sandbox is gone with it.
 *
 * The pool refills one spare at a time, and only while no start is in flight: user work
 * first. A spare that dies while waiting is released and replaced; one that cannot be
 * made is reported and not retried until the next start asks for the pool again.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { CellCgroup } from './cgroups';
import { processAlive } from './host';
import type { Sandbox } from './launch';
import type { WorkspaceVolume } from './volume';

/** Spares are named `.spare-<server pid>-<n>`: never a workspace id, and sweepable. */
const SPARE_NAME = /^\.spare-(\d+)-\d+$/;
/** How often a refill waiting for the starts in flight looks again. */
const BUSY_POLL_MS = 25;

export interface Spare {
  /** Its cgroup's and cell directory's name. */
  name: string;
  /**
   * Its cell directory: its marker, its uid block's record and /app's mount point (shared,
   * where the hand-over mounts the volume).
   */
  dir: string;
  sandbox: Sandbox;
  cgroup: CellCgroup | undefined;
  /**
   * A new workspace's volume, already mounted at /app and given to the spare's user, so
   * that a first start only moves its image (loop devices only).
   */
  blank: WorkspaceVolume | undefined;
}

export interface WarmPoolDeps {
  /** Starts a spare named `name`. */
  launch(name: string): Promise<Spare>;
  /** Stops a spare that will never be handed over and releases what it holds. */
  discard(spare: Spare): Promise<void>;
  /** True while a start is in flight: the pool waits for it. */
  busy(): boolean;
  onError(error: unknown): void;
}

export class WarmPool {
  private readonly ready: Spare[] = [];
  private filling: Promise<void> | undefined;
  private made = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly deps: WarmPoolDeps,
  ) {}

  static spareName(serial: number): string {
    return `.spare-${process.pid}-${serial}`;
  }

  /** A spare of a server that is gone, left behind by its crash. */
  static isAbandoned(name: string): boolean {
    const pid = SPARE_NAME.exec(name)?.[1];
    return pid !== undefined && Number(pid) !== process.pid && !processAlive(Number(pid));
  }

  static isSpare(name: string): boolean {
    return SPARE_NAME.test(name);
  }

  /** How many spares wait now. */
  get waiting(): number {
    return this.ready.length;
  }

  /** A waiting spare, now the caller's; undefined when none is ready. Refills. */
  take(): Spare | undefined {
    const spare = this.ready.shift();
    this.refill();
    return spare;
  }

  /** Starts filling the pool in the background, unless it is filling or full. */
  refill(): void {
    if (this.filling || this.closed || this.ready.length >= this.size) return;
    this.filling = this.fill().finally(() => {
      this.filling = undefined;
    });
  }

  /** Settles once the pool is full, or has stopped filling after an error. */
  async filled(): Promise<void> {
    while (this.filling) await this.filling;
  }

  /** Stops filling and discards every waiting spare. */
  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    await Promise.all(this.ready.splice(0).map((spare) => this.deps.discard(spare)));
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.ready.length < this.size) {
      while (this.deps.busy()) await sleep(BUSY_POLL_MS);
      let spare: Spare;
      try {
        spare = await this.deps.launch(WarmPool.spareName(++this.made));
      } catch (error) {
        this.deps.onError(error);
        return;
      }
      if (this.closed) {
        await this.deps.discard(spare);
        return;
      }
      this.ready.push(spare);
      spare.sandbox.process.once('exit', () => {
        const index = this.ready.indexOf(spare);
        if (index < 0) return;
        this.ready.splice(index, 1);
        this.deps.discard(spare).catch((error: unknown) => this.deps.onError(error));
        this.refill();
      });
    }
  }
}
