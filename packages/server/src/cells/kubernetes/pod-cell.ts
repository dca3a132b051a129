/**
 * A running cell as this replica holds it: a connection to the agent of the workspace's
 * pod. The pod is the cell; the connection is only this replica's way in, so letting go
 * of it (detach) leaves the cell running for the replica that takes over.
 */
import type { Duplex } from 'node:stream';

import type { V1Pod } from '@kubernetes/client-node';

import type { CellExit, LimitEvent, RunningCell } from '../driver';
import type { CellPods } from './cell-pods';
import { failureOf, isDeleting, oomKilled } from './pod-state';

/** How long a dropped connection waits for the watch to say what became of the pod. */
const VERDICT_WAIT_MS = 1_000;

export interface PodCellDeps {
  pods: CellPods;
  /** Deletes the pod and its Secret; resolves once the pod is gone. */
  remove(podName: string): Promise<void>;
}

export class PodCell implements RunningCell {
  readonly exited: Promise<CellExit>;
  private endExited!: (exit: CellExit) => void;
  private readonly unsubscribe: () => void;
  private oomReported = false;
  private stopping: Promise<void> | undefined;
  private lastSeen: V1Pod | undefined;
  private closedTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly workspaceId: string,
    readonly podName: string,
    readonly channel: Duplex,
    private readonly memoryLimit: string,
    private readonly deps: PodCellDeps,
  ) {
    this.exited = new Promise((resolve) => (this.endExited = resolve));
    this.unsubscribe = deps.pods.onPod((pod, gone) => {
      if (pod.metadata?.name !== podName) return;
      this.lastSeen = pod;
      this.judge(gone ? undefined : pod);
    });
    // The agent's connection often drops before the watch tells why (a deleted pod's
    // container is stopped first): the pod's fate, once known, is the better reason.
    channel.once('close', () => {
      this.closedTimer = setTimeout(() => {
        const pod = deps.pods.get(podName);
        if (!this.judge(pod))
          this.end({ reason: 'the connection to its agent was lost', detached: true });
      }, VERDICT_WAIT_MS);
    });
  }

  /** Ends the cell when `pod` (undefined: gone) says it has ended; tells whether it did. */
  private judge(pod: V1Pod | undefined): boolean {
    if (!pod || isDeleting(pod)) {
      this.end({ reason: 'its pod was deleted', stopped: true });
      return true;
    }
    const failure = failureOf(pod);
    if (failure) this.end({ reason: failure });
    return failure !== undefined;
  }

  async takeLimitEvents(): Promise<LimitEvent[]> {
    const pod = this.lastSeen ?? this.deps.pods.get(this.podName);
    if (this.oomReported || !pod || !oomKilled(pod)) return [];
    this.oomReported = true;
    return [{ kind: 'memory', message: `out of memory (limit ${this.memoryLimit})` }];
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.channel.destroy();
      await this.deps.remove(this.podName);
      this.end({ reason: 'stopped' });
    })();
    return this.stopping;
  }

  async detach(): Promise<void> {
    this.channel.destroy();
    this.end({ reason: 'another server took the cell over' });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private end(exit: CellExit): void {
    clearTimeout(this.closedTimer);
    this.unsubscribe();
    this.endExited(this.stopping ? { reason: 'stopped' } : exit);
  }
}
