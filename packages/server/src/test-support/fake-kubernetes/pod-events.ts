/**
 * core/v1 Events about a pod, shaped like the scheduler's and the kubelet's (reason,
 * message, involvedObject, source), so code that streams start progress to users reads
 * the fake the way it reads a real cluster.
 */
import { randomBytes } from 'node:crypto';

import { timestamp, type PodJson } from './objects';
import { resourceTypes } from './resources';
import type { ObjectStore } from './store';

export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** `default-scheduler` or `kubelet`. */
  component: string;
  /** `spec.containers{NAME}` for container events. */
  fieldPath?: string;
}

export function recordPodEvent(
  store: ObjectStore,
  pod: PodJson,
  host: string,
  event: PodEvent,
): void {
  const now = timestamp();
  const namespace = pod.metadata.namespace!;
  store.create(resourceTypes.events, namespace, {
    metadata: { name: `${pod.metadata.name!}.${randomBytes(8).toString('hex')}`, namespace },
    involvedObject: {
      kind: 'Pod',
      apiVersion: 'v1',
      namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
      resourceVersion: pod.metadata.resourceVersion,
      ...(event.fieldPath && { fieldPath: event.fieldPath }),
    },
    reason: event.reason,
    message: event.message,
    type: event.type,
    source: { component: event.component, ...(event.component === 'kubelet' && { host }) },
    reportingComponent: event.component,
    reportingInstance: event.component === 'kubelet' ? host : '',
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
}
