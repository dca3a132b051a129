/**
 * Cells as pods (CELL_DRIVER=kubernetes): one pod per running cell in one namespace, its
 * agent reached over the pod network with a per-cell token. A pod outlives the replica
 * that started it, so any replica may take a running cell over: starting a workspace whose
 * pod runs connects to it. A warm pool makes the common start a claim.
 */
import { randomBytes } from 'node:crypto';

import { ApiException, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';

import { WorkcellError } from '../../errors';
import type {
  CellDriver,
  CellLayout,
  CellLimits,
  CellSpec,
  IsolationFeature,
  IsolationReport,
  RunningCell,
} from '../driver';
import { connectAgent, type AgentRoute } from './agent-route';
import { CellPods } from './cell-pods';
import { PodCell } from './pod-cell';
import { failureOf, isDeleting, isFinished, isReady, progressOf } from './pod-state';
import {
  CELL_ROOT,
  CELLS_SELECTOR,
  cellObjects,
  LABELS,
  PYRIGHT_DIR,
  secretNameOf,
  tokenOf,
  type Assignment,
  type PodSettings,
} from './pod-template';
import { WarmPool } from './warm-pool';

/** Scheduling, pulling the image and starting the agent; a cold cluster pulls for long. */
const START_TIMEOUT_MS = 5 * 60_000;
/** A pod deleted with its grace (5 s) is gone well within this. */
const DELETE_WAIT_MS = 30_000;

export interface KubernetesDriverOptions extends Omit<PodSettings, 'limits'> {
  namespace: string;
  warmPoolSize: number;
  route: AgentRoute;
  /** The limits of warm pods, made before any spec names them: the server's. */
  limits: CellLimits;
  /** KUBECONFIG or the pod's service account when absent. */
  kubeConfig?: KubeConfig;
  onError?(error: unknown): void;
}

interface Cluster {
  pods: CellPods;
  pool: WarmPool;
}

export class KubernetesCellDriver implements CellDriver {
  readonly name = 'kubernetes';
  readonly sharedCells = true;
  readonly layout: CellLayout = { root: CELL_ROOT, pyright: PYRIGHT_DIR };
  private readonly kubeConfig: KubeConfig;
  private readonly core: CoreV1Api;
  private cluster: Promise<Cluster> | undefined;

  constructor(private readonly options: KubernetesDriverOptions) {
    this.kubeConfig = options.kubeConfig ?? loadKubeConfig();
    this.core = this.kubeConfig.makeApiClient(CoreV1Api);
  }

  async probe(): Promise<IsolationReport> {
    const { namespace, runtimeClass, warmPoolSize } = this.options;
    const features: IsolationFeature[] = [];
    try {
      // What the server's Role allows in the cells' namespace (it cannot read the Namespace).
      await this.core.listNamespacedPod({ namespace, labelSelector: CELLS_SELECTOR, limit: 1 });
      features.push({
        name: 'cell namespace',
        ok: true,
        detail: `${namespace} on ${this.kubeConfig.getCurrentCluster()?.server ?? 'the cluster'}`,
        required: true,
      });
    } catch (error) {
      features.push({
        name: 'cell namespace',
        ok: false,
        detail: `pods in ${namespace} cannot be listed: ${describe(error)}`,
        required: true,
      });
    }
    features.push(
      {
        name: 'runtime class',
        ok: true,
        detail: runtimeClass ?? "the cluster's default runtime (no CELL_RUNTIME_CLASS)",
        required: false,
      },
      { name: 'warm pool', ok: true, detail: `${warmPoolSize} pods`, required: false },
    );
    return { driver: this.name, usable: features.every((f) => f.ok || !f.required), features };
  }

  async start(spec: CellSpec): Promise<RunningCell> {
    const { pods, pool } = await this.connected();
    const assignment = { workspaceId: spec.workspaceId, ownerId: spec.ownerId };
    let pod = this.podOf(pods, spec.workspaceId);
    if (pod && (isFinished(pod) || failureOf(pod))) {
      await this.remove(pod.metadata!.name!);
      pod = undefined;
    }
    /** The workspace's running pod, taken over: it holds the user's shells. */
    const takenOver = pod !== undefined;
    pod ??= await pool.claim(assignment);
    const progress = spec.progress;
    let unfollow = () => {};
    if (!pod) {
      progress?.('asking the cluster for a pod');
      const name = `workcell-cell-${randomBytes(5).toString('hex')}`;
      // From before the pod exists: its first events come at once.
      if (progress) unfollow = followProgress(pods, name, progress);
      await this.create(name, assignment, spec.limits).catch((error: unknown) => {
        // A full ResourceQuota, say: the user is told, not left waiting.
        throw new WorkcellError(
          'CELL_FAILED',
          `The workspace cell failed to start: the cluster refused its pod (${describe(error)}).`,
        );
      });
      pod = { metadata: { name } };
    }
    const name = pod.metadata!.name!;
    try {
      const ready = await this.waitReady(pods, name).finally(unfollow);
      const secret = await this.core.readNamespacedSecret({
        name: secretNameOf(name),
        namespace: this.options.namespace,
      });
      const token = tokenOf(secret);
      if (!token) throw new Error(`the Secret ${secretNameOf(name)} holds no agent token`);
      const channel = await connectAgent(this.options.route, this.kubeConfig, {
        namespace: this.options.namespace,
        pod: name,
        podIP: ready.status!.podIP!,
        token,
      });
      const memory = `${Math.round(spec.limits.memoryBytes / 1024 / 1024)} MiB`;
      return new PodCell(spec.workspaceId, name, channel, memory, {
        pods,
        remove: (podName) => this.remove(podName),
      });
    } catch (error) {
      // A pod that never became this workspace's cell is no use to anyone; one that ran
      // it stays for the next try (or the sweep, once the cell is stopped).
      if (!takenOver) await this.remove(name).catch(() => undefined);
      throw error;
    }
  }

  /** An emptyDir goes with its pod: nothing outlives the cell. */
  async removeVolume(): Promise<void> {}

  /**
   * Deletes the pods of workspaces not in `keep` (warm ones aside) and the Secrets whose
   * pod is gone. Runs under the manager's sweep lock, one replica at a time.
   */
  async sweepOrphans(keep: ReadonlySet<string>): Promise<string[]> {
    const { pods } = await this.connected();
    const orphans = pods.list().filter((pod) => {
      const workspaceId = pod.metadata?.labels?.[LABELS.workspace];
      return workspaceId !== undefined && !keep.has(workspaceId) && !isDeleting(pod);
    });
    for (const pod of orphans) await this.remove(pod.metadata!.name!);
    const living = new Set(pods.list().map((pod) => pod.metadata?.name));
    const { items: secrets } = await this.core.listNamespacedSecret({
      namespace: this.options.namespace,
      labelSelector: CELLS_SELECTOR,
    });
    const hourAgo = Date.now() - 60 * 60_000;
    for (const secret of secrets) {
      const pod = secret.metadata?.labels?.[LABELS.pod];
      // A Secret is made just before its pod: a young one may be mid-start elsewhere.
      const created = secret.metadata?.creationTimestamp?.getTime() ?? 0;
      if (pod && !living.has(pod) && created < hourAgo) await this.deleteSecret(pod);
    }
    return orphans.map((pod) => pod.metadata!.labels![LABELS.workspace]!);
  }

  /** Stops watching; the pods stay for the replicas that remain (or the next sweep). */
  async close(): Promise<void> {
    const cluster = await this.cluster?.catch(() => undefined);
    this.cluster = undefined;
    await cluster?.pool.close();
    await cluster?.pods.close();
  }

  private connected(): Promise<Cluster> {
    this.cluster ??= (async () => {
      const pods = new CellPods(this.kubeConfig, this.core, this.options.namespace);
      await pods.start();
      const pool = new WarmPool(this.options.warmPoolSize, {
        core: this.core,
        namespace: this.options.namespace,
        pods,
        create: (name, assignment) => this.create(name, assignment, this.options.limits),
        onError: (error) => this.options.onError?.(error),
      });
      pool.refill();
      return { pods, pool };
    })().catch((error: unknown) => {
      this.cluster = undefined;
      throw new WorkcellError(
        'CELL_UNAVAILABLE',
        `The cluster cannot be reached (${describe(error)}); check KUBECONFIG and CELL_NAMESPACE.`,
      );
    });
    return this.cluster;
  }

  private podOf(pods: CellPods, workspaceId: string): V1Pod | undefined {
    return pods
      .list()
      .find((pod) => pod.metadata?.labels?.[LABELS.workspace] === workspaceId && !isDeleting(pod));
  }

  private async create(name: string, assignment: Assignment, limits: CellLimits): Promise<void> {
    const { namespace } = this.options;
    const { pod, secret } = cellObjects(name, { ...this.options, limits }, assignment);
    await this.core.createNamespacedSecret({ namespace, body: secret }).catch((error: unknown) => {
      // Left by a pod of this name that died: its token is as good as a new one.
      if (!(error instanceof ApiException && error.code === 409)) throw error;
    });
    try {
      const created = await this.core.createNamespacedPod({ namespace, body: pod });
      // The cluster deletes the Secret with its pod (the sweep does where no GC runs).
      await this.core
        .patchNamespacedSecret({
          name: secretNameOf(name),
          namespace,
          body: [
            {
              op: 'add',
              path: '/metadata/ownerReferences',
              value: [
                {
                  apiVersion: 'v1',
                  kind: 'Pod',
                  name,
                  uid: created.metadata!.uid!,
                  controller: false,
                },
              ],
            },
          ],
        })
        .catch(() => undefined);
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 409)) await this.deleteSecret(name);
      throw error;
    }
  }

  /** Resolves with the pod once ready; rejects once it cannot become so. */
  private waitReady(pods: CellPods, name: string): Promise<V1Pod> {
    const now = pods.get(name);
    if (now && isReady(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const finish = (error: Error | undefined, pod?: V1Pod) => {
        clearTimeout(timer);
        unsubscribe();
        if (error) reject(error);
        else resolve(pod!);
      };
      const check = (pod: V1Pod, gone: boolean) => {
        if (pod.metadata?.name !== name) return;
        const failure = gone ? 'its pod was deleted' : failureOf(pod);
        if (failure)
          finish(
            new WorkcellError('CELL_FAILED', `The workspace cell failed to start: ${failure}.`),
          );
        else if (isReady(pod)) finish(undefined, pod);
      };
      const unsubscribe = pods.onPod(check);
      const timer = setTimeout(
        () =>
          finish(
            new WorkcellError(
              'CELL_FAILED',
              `The workspace cell failed to start: its pod was not ready within ${START_TIMEOUT_MS / 60_000} minutes.`,
            ),
          ),
        START_TIMEOUT_MS,
      );
      const current = pods.get(name);
      if (current) check(current, false);
    });
  }

  /** Deletes the pod (with its grace) and its Secret; resolves once the pod is gone. */
  private async remove(name: string): Promise<void> {
    const cluster = await this.cluster?.catch(() => undefined);
    const gone = cluster ? waitGone(cluster.pods, name) : Promise.resolve();
    try {
      await this.core.deleteNamespacedPod({ name, namespace: this.options.namespace });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
    await this.deleteSecret(name);
    await gone;
  }

  private async deleteSecret(podName: string): Promise<void> {
    await this.core
      .deleteNamespacedSecret({ name: secretNameOf(podName), namespace: this.options.namespace })
      .catch((error: unknown) => {
        if (!(error instanceof ApiException && error.code === 404)) throw error;
      });
  }
}

/** Tells `progress` what the pod's events say, each step once; returns the unsubscribe. */
function followProgress(
  pods: CellPods,
  name: string,
  progress: (message: string) => void,
): () => void {
  const shown = new Set<string>();
  return pods.onEvent((event) => {
    if (event.involvedObject?.name !== name || event.involvedObject.kind !== 'Pod') return;
    const message = progressOf(event);
    if (message && !shown.has(message)) {
      shown.add(message);
      progress(message);
    }
  });
}

function waitGone(pods: CellPods, name: string): Promise<void> {
  if (!pods.get(name)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, DELETE_WAIT_MS);
    const unsubscribe = pods.onPod((pod, gone) => {
      if (gone && pod.metadata?.name === name) done();
    });
  });
}

function loadKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}

function describe(error: unknown): string {
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
    const message = /"message":"([^"]*)"/.exec(body)?.[1];
    return `HTTP ${error.code}${message ? `: ${message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
