/**
 * Started pods waiting for a workspace, so that the common start is a relabel, not a
 * schedule, an image pull and a container start. Every replica keeps the pool full from
 * the same informer cache; warm pods have fixed slot names (workcell-warm-N), so two
 * replicas refilling at once collide on a name (409) instead of overfilling. A claim is a
 * JSON patch that first tests the pod is still in the pool, so two replicas can never
 * claim one pod.
 */
import { ApiException, type CoreV1Api, type V1Pod } from '@kubernetes/client-node';

import type { CellPods } from './cell-pods';
import { isDeleting, isFinished, isReady } from './pod-state';
import { assignmentLabels, LABELS, type Assignment } from './pod-template';

const SLOT_PREFIX = 'workcell-warm-';
/** Also refilled on every pod change; this catches a create that failed. */
const REFILL_INTERVAL_MS = 15_000;

const pointer = (label: string) =>
  `/metadata/labels/${label.replaceAll('~', '~0').replaceAll('/', '~1')}`;

export interface WarmPoolDeps {
  core: CoreV1Api;
  namespace: string;
  pods: CellPods;
  /** Creates a cell pod (and its Secret) named `name`; rejects with the API's error. */
  create(name: string, assignment: Assignment): Promise<void>;
  onError(error: unknown): void;
}

export class WarmPool {
  private refilling: Promise<void> | undefined;
  private again = false;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly size: number,
    private readonly deps: WarmPoolDeps,
  ) {
    this.unsubscribe = deps.pods.onPod(() => this.refill());
    this.timer = setInterval(() => this.refill(), REFILL_INTERVAL_MS);
    this.timer.unref();
  }

  /** The warm pods, ready or still starting. */
  waiting(): readonly V1Pod[] {
    return this.deps.pods
      .list()
      .filter(
        (pod) =>
          pod.metadata?.labels?.[LABELS.pool] === 'warm' && !isDeleting(pod) && !isFinished(pod),
      );
  }

  /** A ready warm pod, now labelled for the workspace; undefined when none is ready. */
  async claim(assignment: Exclude<Assignment, 'warm'>): Promise<V1Pod | undefined> {
    const ready = this.waiting().filter(isReady);
    try {
      for (const pod of ready) {
        const claimed = await this.tryClaim(pod, assignment);
        if (claimed) return claimed;
      }
      return undefined;
    } finally {
      this.refill();
    }
  }

  /** Starts a refill unless one runs; a change during one makes it look again. */
  refill(): void {
    if (this.size === 0) return;
    if (this.refilling) {
      this.again = true;
      return;
    }
    this.refilling = this.fill()
      .catch((error: unknown) => this.deps.onError(error))
      .finally(() => {
        this.refilling = undefined;
        if (this.again) {
          this.again = false;
          this.refill();
        }
      });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe();
    await this.refilling;
  }

  private async fill(): Promise<void> {
    for (let missing = this.size - this.waiting().length; missing > 0; missing--) {
      try {
        await this.deps.create(this.freeSlot(), 'warm');
      } catch (error) {
        // Another replica took the slot first: the pool is as full as this view thinks.
        if (error instanceof ApiException && error.code === 409) return;
        throw error;
      }
    }
  }

  private freeSlot(): string {
    const taken = new Set(this.deps.pods.list().map((pod) => pod.metadata?.name));
    for (let slot = 0; ; slot++)
      if (!taken.has(`${SLOT_PREFIX}${slot}`)) return `${SLOT_PREFIX}${slot}`;
  }

  private async tryClaim(
    pod: V1Pod,
    assignment: Exclude<Assignment, 'warm'>,
  ): Promise<V1Pod | undefined> {
    const body = [
      { op: 'test', path: pointer(LABELS.pool), value: 'warm' },
      { op: 'remove', path: pointer(LABELS.pool) },
      ...Object.entries(assignmentLabels(assignment)).map(([label, value]) => ({
        op: 'add',
        path: pointer(label),
        value,
      })),
    ];
    try {
      return await this.deps.core.patchNamespacedPod({
        name: pod.metadata!.name!,
        namespace: this.deps.namespace,
        body,
      });
    } catch (error) {
      // Claimed by another replica (the test failed), or gone.
      if (error instanceof ApiException && [404, 409, 422].includes(error.code)) return undefined;
      throw error;
    }
  }
}
