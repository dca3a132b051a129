/**
 * Pod statuses the fake node writes through a pod's life, shaped like the kubelet's:
 * phase, conditions, and a status per container.
 */
import type { PodJson } from './objects';

/** The node's (and every pod's host) address: everything runs on this machine. */
const hostIP = '127.0.0.1';

type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; startedAt?: string; finishedAt: string } };

function conditions(at: string, ready: boolean, initialized = true) {
  const condition = (type: string, status: boolean) => ({
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: at,
  });
  return [
    condition('PodReadyToStartContainers', initialized),
    condition('Initialized', initialized),
    condition('Ready', ready),
    condition('ContainersReady', ready),
    condition('PodScheduled', true),
  ];
}

function containerStatuses(pod: PodJson, state: ContainerState, ready: boolean) {
  return pod.spec.containers.map((container) => ({
    name: container.name,
    image: container.image,
    imageID: '',
    ...('waiting' in state ? {} : { containerID: `fake://${pod.metadata.uid}/${container.name}` }),
    ready,
    started: 'running' in state,
    restartCount: 0,
    state,
  }));
}

/** Bound to the node, containers being created. */
export function scheduledStatus(pod: PodJson, at: string) {
  return {
    phase: 'Pending',
    hostIP,
    startTime: at,
    qosClass: 'BestEffort',
    conditions: conditions(at, false, false),
    containerStatuses: containerStatuses(pod, { waiting: { reason: 'ContainerCreating' } }, false),
  };
}

export function runningStatus(pod: PodJson, podIP: string, at: string) {
  return {
    ...pod.status,
    phase: 'Running',
    podIP,
    podIPs: [{ ip: podIP }],
    conditions: conditions(at, true),
    containerStatuses: containerStatuses(pod, { running: { startedAt: at } }, true),
  };
}

export function terminatedStatus(pod: PodJson, exitCode: number, at: string) {
  const running = (
    pod.status?.containerStatuses as { state?: { running?: { startedAt: string } } }[] | undefined
  )?.[0]?.state?.running;
  return {
    ...pod.status,
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: conditions(at, false),
    containerStatuses: containerStatuses(
      pod,
      {
        terminated: {
          exitCode,
          reason: exitCode === 0 ? 'Completed' : 'Error',
          ...(running && { startedAt: running.startedAt }),
          finishedAt: at,
        },
      },
      false,
    ),
  };
}

/** The containers could not start: the pod fails, with the kubelet's reason. */
export function failedToStartStatus(pod: PodJson, message: string, at: string) {
  return {
    ...pod.status,
    phase: 'Failed',
    message,
    conditions: conditions(at, false),
    containerStatuses: containerStatuses(
      pod,
      { waiting: { reason: 'CreateContainerError', message } },
      false,
    ),
  };
}
