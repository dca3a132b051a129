/**
 * The fake's one node, and its scheduler: binds each new pod to the node, then does the
 * kubelet's bookkeeping around a FakeKubelet — the events (Scheduled, Pulling, Pulled,
 * Created, Started, Killing), the status through the pod's life, and finishing a
 * graceful deletion. It reacts to store changes as a real kubelet reacts to its watch,
 * one pod's actions at a time, never inside the write that caused them (so every watch
 * sees changes in resourceVersion order).
 */
import type { Duplex } from 'node:stream';

import type { ExecStreams, FakeKubelet, PodReporter } from './kubelet';
import { timestamp, type PodJson } from './objects';
import { recordPodEvent, type PodEvent } from './pod-events';
import {
  failedToStartStatus,
  runningStatus,
  scheduledStatus,
  terminatedStatus,
} from './pod-status';
import { resourceTypes } from './resources';
import { ApiError, apiErrors } from './status';
import type { Change, ObjectStore } from './store';

export const fakeNodeName = 'fake-node-1';

const pods = resourceTypes.pods;
const secrets = resourceTypes.secrets;

/** A pod this node has taken on, until its kubelet has stopped it. */
interface PodRun {
  /** The pod's actions, one after another. */
  lane: Promise<void>;
  /** Whether the kubelet has been asked to start it (and so must be asked to stop it). */
  started: boolean;
  stopped: boolean;
}

export class FakeNode {
  readonly #runs = new Map<string, PodRun>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly store: ObjectStore,
    private readonly kubelet: FakeKubelet,
  ) {
    this.#unsubscribe = store.subscribe((change) => this.#observe(change));
  }

  /** The pod and container an exec or port-forward addresses, if it runs here. */
  runningPod(
    namespace: string,
    name: string,
    container?: string,
  ): { pod: PodJson; container: string } {
    const pod = this.store.get(pods, namespace, name) as PodJson;
    if (pod.spec.nodeName !== fakeNodeName)
      throw apiErrors.badRequest(`pod ${name} does not have a host assigned`);
    const containerName = container || pod.spec.containers[0]!.name;
    if (!pod.spec.containers.some((c) => c.name === containerName))
      throw apiErrors.badRequest(`container ${containerName} is not valid for pod ${name}`);
    if (pod.status?.phase !== 'Running')
      throw apiErrors.badRequest(
        `unable to upgrade connection: container not found ("${containerName}")`,
      );
    return { pod, container: containerName };
  }

  exec(pod: PodJson, container: string, command: string[], streams: ExecStreams) {
    return this.kubelet.exec(pod, container, command, streams);
  }

  connect(pod: PodJson, port: number): Promise<Duplex> {
    return this.kubelet.connect(pod, port);
  }

  /** Stops every pod's containers (the objects stay) and stops reacting to changes. */
  async close(): Promise<void> {
    this.#unsubscribe();
    await Promise.all(
      [...this.#runs.entries()].map(([uid, run]) =>
        this.#enqueue(uid, run, async () => {
          const pod = this.store.list(pods).find((p) => p.metadata.uid === uid) as
            PodJson | undefined;
          if (pod) await this.#stopContainers(pod, run, 0);
        }),
      ),
    );
  }

  #observe(change: Change): void {
    if (change.resource !== pods) return;
    const pod = change.object as PodJson;
    const uid = pod.metadata.uid!;
    let run = this.#runs.get(uid);
    const forThisNode = !pod.spec.nodeName || pod.spec.nodeName === fakeNodeName;
    if (change.type === 'ADDED' && forThisNode) {
      run = { lane: Promise.resolve(), started: false, stopped: false };
      this.#runs.set(uid, run);
      void this.#enqueue(uid, run, () => this.#scheduleAndStart(pod, run!));
    } else if (run && change.type === 'DELETED') {
      void this.#enqueue(uid, run, () => this.#stopContainers(pod, run!, 0));
    } else if (run && pod.metadata.deletionTimestamp && !run.stopped) {
      void this.#enqueue(uid, run, () => this.#finishDeletion(pod, run!));
    }
  }

  #enqueue(uid: string, run: PodRun, action: () => Promise<void>): Promise<void> {
    run.lane = run.lane.then(action).catch((error: unknown) => {
      // The pod changed or went while an action ran: the action's write is moot.
      if (error instanceof ApiError && (error.code === 404 || error.code === 409)) return;
      console.error(`fake node: pod ${uid}:`, error);
    });
    return run.lane;
  }

  async #scheduleAndStart(created: PodJson, run: PodRun): Promise<void> {
    const { namespace, name, uid } = created.metadata;
    const pod = this.store.update(
      pods,
      namespace,
      name!,
      (current) => {
        const bound = current as PodJson;
        return {
          ...bound,
          spec: { ...bound.spec, nodeName: fakeNodeName },
          status: scheduledStatus(bound, timestamp()),
        };
      },
      { uid },
    ) as PodJson;
    // A pod created with its nodeName set skips the scheduler, as on a real cluster.
    if (!created.spec.nodeName)
      this.#event(pod, {
        type: 'Normal',
        reason: 'Scheduled',
        message: `Successfully assigned ${namespace}/${name} to ${fakeNodeName}`,
        component: 'default-scheduler',
      });
    if (pod.metadata.deletionTimestamp) return;
    for (const { name: container, image } of pod.spec.containers) {
      this.#containerEvent(pod, container, 'Pulling', `Pulling image "${image}"`);
      this.#containerEvent(
        pod,
        container,
        'Pulled',
        `Successfully pulled image "${image}" in 0s (0s including waiting). Image size: 0 bytes.`,
      );
      this.#containerEvent(pod, container, 'Created', `Created container: ${container}`);
    }
    run.started = true;
    let podIP: string;
    try {
      const resolved = this.#withSecretValues(pod);
      ({ podIP } = await this.kubelet.start(resolved, this.#reporter(pod, run)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#event(pod, {
        type: 'Warning',
        reason: 'Failed',
        message: `Error: ${message}`,
        component: 'kubelet',
      });
      this.#writeStatus(pod, (current) => failedToStartStatus(current, message, timestamp()));
      return;
    }
    if (run.stopped) return;
    for (const { name: container } of pod.spec.containers)
      this.#containerEvent(pod, container, 'Started', `Started container ${container}`);
    this.#writeStatus(pod, (current) => runningStatus(current, podIP, timestamp()));
  }

  /** The pod with its containers' secretKeyRef variables given their values, as a kubelet does. */
  #withSecretValues(pod: PodJson): PodJson {
    const containers = pod.spec.containers.map((container) => ({
      ...container,
      env: container.env?.map(({ name, value, valueFrom }) => {
        const ref = valueFrom?.secretKeyRef;
        if (!ref) return { name, value };
        const secret = this.store
          .list(secrets, pod.metadata.namespace)
          .find((candidate) => candidate.metadata.name === ref.name);
        const data = (secret?.data ?? {}) as Record<string, string>;
        if (!secret) throw new Error(`secret "${ref.name}" not found`);
        if (data[ref.key] === undefined)
          throw new Error(
            `couldn't find key ${ref.key} in Secret ${pod.metadata.namespace}/${ref.name}`,
          );
        return { name, value: Buffer.from(data[ref.key]!, 'base64').toString('utf8') };
      }),
    }));
    return { ...pod, spec: { ...pod.spec, containers } };
  }

  #reporter(pod: PodJson, run: PodRun): PodReporter {
    return {
      event: (type, reason, message) => {
        if (!run.stopped) this.#event(pod, { type, reason, message, component: 'kubelet' });
      },
      exited: (exitCode) => {
        void this.#enqueue(pod.metadata.uid!, run, async () => {
          if (!run.stopped)
            this.#writeStatus(pod, (current) => terminatedStatus(current, exitCode, timestamp()));
        });
      },
    };
  }

  /** A pod marked for deletion: stop its containers within its grace, then remove it. */
  async #finishDeletion(pod: PodJson, run: PodRun): Promise<void> {
    if (run.stopped) return;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? 0;
    for (const { name: container } of pod.spec.containers)
      this.#containerEvent(pod, container, 'Killing', `Stopping container ${container}`);
    await this.#stopContainers(pod, run, grace);
    this.store.remove(pods, pod.metadata.namespace, pod.metadata.name!, { uid: pod.metadata.uid });
  }

  async #stopContainers(pod: PodJson, run: PodRun, gracePeriodSeconds: number): Promise<void> {
    if (run.stopped) return;
    run.stopped = true;
    this.#runs.delete(pod.metadata.uid!);
    if (run.started) await this.kubelet.stop(pod, gracePeriodSeconds);
  }

  #containerEvent(pod: PodJson, container: string, reason: string, message: string): void {
    this.#event(pod, {
      type: 'Normal',
      reason,
      message,
      component: 'kubelet',
      fieldPath: `spec.containers{${container}}`,
    });
  }

  #event(pod: PodJson, event: PodEvent): void {
    recordPodEvent(this.store, pod, fakeNodeName, event);
  }

  #writeStatus(pod: PodJson, status: (current: PodJson) => unknown): void {
    this.store.update(
      pods,
      pod.metadata.namespace,
      pod.metadata.name!,
      (current) => ({ ...current, status: status(current as PodJson) }),
      { uid: pod.metadata.uid },
    );
  }
}
