/**
 * What a cell pod's status and events mean for a start: ready, broken for good, or a step
 * worth showing the user (as KubeSpawner shows a spawn's progress).
 */
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';

/** Waiting reasons that do not cure themselves; a start fails at once on them. */
const STUCK_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export function isDeleting(pod: V1Pod): boolean {
  return Boolean(pod.metadata?.deletionTimestamp);
}

export function isFinished(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Running, with an address, and its readiness probe (the agent's port) passing. */
export function isReady(pod: V1Pod): boolean {
  return (
    !isDeleting(pod) &&
    pod.status?.phase === 'Running' &&
    Boolean(pod.status.podIP) &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** Why the pod will never serve a cell, or undefined while it still may. */
export function failureOf(pod: V1Pod): string | undefined {
  if (isDeleting(pod)) return 'its pod is being deleted';
  const container = pod.status?.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  if (isFinished(pod) || terminated) {
    const how = terminated
      ? `${terminated.reason ?? 'exited'} with code ${terminated.exitCode}`
      : pod.status?.reason;
    return `its pod ended (${how ?? pod.status?.phase})`;
  }
  const waiting = container?.state?.waiting;
  if (waiting?.reason && STUCK_REASONS.has(waiting.reason))
    return `its pod cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  return undefined;
}

/** What a pod event says about the start, in the user's words; undefined: nothing to show. */
export function progressOf(event: CoreV1Event): string | undefined {
  switch (event.reason) {
    case 'Scheduled':
      return 'a node was found for the cell';
    case 'Pulling':
      return 'pulling the cell image';
    case 'Pulled':
      return 'the cell image is on the node';
    case 'Created':
    case 'Started':
      return 'starting the agent';
    case 'FailedScheduling':
      return `waiting for room in the cluster: ${event.message ?? ''}`.trim();
    default:
      return event.type === 'Warning' ? `${event.reason}: ${event.message ?? ''}` : undefined;
  }
}

/** The OOM kill of the pod's main process, the one limit hit the API shows. */
export function oomKilled(pod: V1Pod): boolean {
  return pod.status?.containerStatuses?.[0]?.state?.terminated?.reason === 'OOMKilled';
}
