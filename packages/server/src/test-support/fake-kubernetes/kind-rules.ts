/**
 * What the real API server does differently per kind on writes: pod defaults, spec
 * immutability and graceful deletion; a Secret's stringData. Kinds without rules are
 * stored as sent.
 */
import { isDeepStrictEqual } from 'node:util';

import { omit, timestamp, type KubeObject, type PodJson } from './objects';
import { resourceTypes, type ResourceType } from './resources';
import { apiErrors } from './status';
import type { ObjectStore, Preconditions } from './store';

export interface KindRules {
  /** Whether `…/status` holds the status, which writes to the object itself leave alone. */
  statusSubresource: boolean;
  /** Defaults and checks for a new object, as sent by a client. */
  prepareCreate?: (object: KubeObject) => KubeObject;
  /** Checks (and normalises) a client's update; `next` already carries the old status. */
  prepareUpdate?: (previous: KubeObject, next: KubeObject) => KubeObject;
  /** Deletes, answering what a DELETE answers; without it the object goes at once. */
  remove?: (
    store: ObjectStore,
    namespace: string,
    name: string,
    options: { gracePeriodSeconds?: number; preconditions: Preconditions },
  ) => KubeObject;
}

const terminalPhases = new Set(['Succeeded', 'Failed']);

function preparePodCreate(object: KubeObject): KubeObject {
  const pod = object as PodJson;
  const name = pod.metadata.name ?? pod.metadata.generateName ?? '';
  const containers = pod.spec?.containers ?? [];
  if (containers.length === 0)
    throw apiErrors.invalid('Pod', name, 'spec.containers: Required value');
  containers.forEach((container, index) => {
    if (!container.name)
      throw apiErrors.invalid('Pod', name, `spec.containers[${index}].name: Required value`);
    if (!container.image)
      throw apiErrors.invalid('Pod', name, `spec.containers[${index}].image: Required value`);
  });
  return {
    ...pod,
    spec: {
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      ...pod.spec,
      containers: containers.map((container) => ({
        imagePullPolicy: /:latest$|^[^:]*$/.test(container.image!) ? 'Always' : 'IfNotPresent',
        ...container,
      })),
    },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

/** The spec fields the real server lets a pod update change. */
function mutableSpecFieldsCleared(pod: PodJson): unknown {
  const spec = omit(pod.spec, 'activeDeadlineSeconds', 'tolerations');
  return { ...spec, containers: pod.spec.containers.map((container) => omit(container, 'image')) };
}

function preparePodUpdate(previous: KubeObject, next: KubeObject): KubeObject {
  const [before, after] = [previous as PodJson, next as PodJson];
  if (!isDeepStrictEqual(mutableSpecFieldsCleared(before), mutableSpecFieldsCleared(after)))
    throw apiErrors.invalid(
      'Pod',
      previous.metadata.name ?? '',
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.activeDeadlineSeconds` or `spec.tolerations` (only additions to existing tolerations)',
    );
  return {
    ...next,
    metadata: {
      ...next.metadata,
      deletionTimestamp: previous.metadata.deletionTimestamp,
      deletionGracePeriodSeconds: previous.metadata.deletionGracePeriodSeconds,
    },
  };
}

/**
 * A pod on a node is marked for deletion (deletionTimestamp) and left to its kubelet,
 * which stops it and then removes it; a pod no kubelet runs, or a delete with grace 0,
 * goes at once.
 */
function removePod(
  store: ObjectStore,
  namespace: string,
  name: string,
  {
    gracePeriodSeconds,
    preconditions,
  }: { gracePeriodSeconds?: number; preconditions: Preconditions },
): KubeObject {
  const pod = store.get(resourceTypes.pods, namespace, name) as PodJson;
  const grace = gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  const unattended = !pod.spec.nodeName || terminalPhases.has(pod.status?.phase ?? '');
  if (grace === 0 || unattended)
    return store.remove(resourceTypes.pods, namespace, name, preconditions);
  if (pod.metadata.deletionTimestamp) return pod;
  return store.update(
    resourceTypes.pods,
    namespace,
    name,
    (current) => ({
      ...current,
      metadata: {
        ...current.metadata,
        deletionTimestamp: timestamp(new Date(Date.now() + grace * 1000)),
        deletionGracePeriodSeconds: grace,
      },
    }),
    preconditions,
  );
}

/** Secrets store `data` (base64); `stringData` is a write-only convenience merged into it. */
function foldStringData(object: KubeObject): KubeObject {
  const secret = object as KubeObject & {
    stringData?: Record<string, string>;
    data?: Record<string, string>;
  };
  if (!secret.stringData) return secret;
  const data = { ...secret.data };
  for (const [key, value] of Object.entries(secret.stringData))
    data[key] = Buffer.from(value).toString('base64');
  return { ...omit(secret, 'stringData'), data };
}

const rules = new Map<ResourceType, KindRules>([
  [
    resourceTypes.pods,
    {
      statusSubresource: true,
      prepareCreate: preparePodCreate,
      prepareUpdate: preparePodUpdate,
      remove: removePod,
    },
  ],
  [
    resourceTypes.secrets,
    {
      statusSubresource: false,
      prepareCreate: (secret) => foldStringData({ type: 'Opaque', ...secret }),
      prepareUpdate: (_previous, next) => foldStringData(next),
    },
  ],
]);

export function rulesFor(resource: ResourceType): KindRules {
  return rules.get(resource) ?? { statusSubresource: false };
}
