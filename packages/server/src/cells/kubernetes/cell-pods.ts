/**
 * This replica's view of the cell pods and their events: one informer (list, then watch
 * from its resourceVersion, relisting after a 410) per kind for the whole namespace,
 * never one watch per cell. Starts, the warm pool and the sweep read the cache and wait
 * on it.
 */
import {
  CoreV1Api,
  KubeConfig,
  ListWatch,
  Watch,
  type CoreV1Event,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';

import { CELLS_SELECTOR } from './pod-template';

/** A stopped informer starts again after this (the API server restarted, say). */
const RESTART_DELAY_MS = 1_000;

type PodListener = (pod: V1Pod, gone: boolean) => void;
type EventListener = (event: CoreV1Event) => void;

class Informer<T extends KubernetesObject> {
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly cache: ListWatch<T>;

  constructor(
    kubeConfig: KubeConfig,
    path: string,
    list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
    labelSelector?: string,
  ) {
    this.cache = new ListWatch<T>(path, new Watch(kubeConfig), list, false, labelSelector);
    this.cache.on('error', () => this.restart());
  }

  /** A failed list or watch stops the informer for good; it is started again here. */
  private restart(): void {
    if (this.closed) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(
      () => void this.start().catch(() => this.restart()),
      RESTART_DELAY_MS,
    );
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    await this.cache.stop();
  }
}

export class CellPods {
  private readonly pods: Informer<V1Pod>;
  private readonly events: Informer<CoreV1Event>;
  private readonly podListeners = new Set<PodListener>();
  private readonly eventListeners = new Set<EventListener>();

  constructor(kubeConfig: KubeConfig, core: CoreV1Api, namespace: string) {
    this.pods = new Informer<V1Pod>(
      kubeConfig,
      `/api/v1/namespaces/${namespace}/pods`,
      () => core.listNamespacedPod({ namespace, labelSelector: CELLS_SELECTOR }),
      CELLS_SELECTOR,
    );
    this.events = new Informer<CoreV1Event>(
      kubeConfig,
      `/api/v1/namespaces/${namespace}/events`,
      () => core.listNamespacedEvent({ namespace }),
    );
    for (const verb of ['add', 'update'] as const) {
      this.pods.cache.on(verb, (pod) => this.podChanged(pod, false));
      this.events.cache.on(verb, (event) => {
        for (const listener of this.eventListeners) listener(event);
      });
    }
    this.pods.cache.on('delete', (pod) => this.podChanged(pod, true));
  }

  async start(): Promise<void> {
    await Promise.all([this.pods.start(), this.events.start()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.pods.stop(), this.events.stop()]);
    this.podListeners.clear();
    this.eventListeners.clear();
  }

  list(): readonly V1Pod[] {
    return this.pods.cache.list();
  }

  get(name: string): V1Pod | undefined {
    return this.pods.cache.list().find((pod) => pod.metadata?.name === name);
  }

  onPod(listener: PodListener): () => void {
    this.podListeners.add(listener);
    return () => this.podListeners.delete(listener);
  }

  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private podChanged(pod: V1Pod, gone: boolean): void {
    for (const listener of this.podListeners) listener(pod, gone);
  }
}
