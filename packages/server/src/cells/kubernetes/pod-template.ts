/**
 * The objects behind one cell: its pod and the Secret holding its agent's token. Every
 * security promise of the local driver that a pod can keep is here: non-root, read-only
 * root filesystem, no capabilities, RuntimeDefault seccomp, no service-account token, no
 * privilege escalation, limits equal to requests, and only the agent's port open (the
 * NetworkPolicies of deploy/kubernetes close the rest).
 */
import { randomBytes } from 'node:crypto';

import type { V1Pod, V1Secret } from '@kubernetes/client-node';

import { AGENT_ENV, EGRESS_PROXY_PORT } from '@workcell/agent';

import type { CellLimits, EgressSettings } from '../driver';
import { cellShellEnv } from '../egress-env';

export const AGENT_PORT = 7070;
export const CELL_ROOT = '/app';
export const CELL_HOME = '/home/user';
export const PYRIGHT_DIR = '/opt/pyright';
/** The image's user code account (deploy/images/cell); the agent runs as it too. */
const CELL_UID = 1000;
const TOKEN_KEY = 'token';

export const LABELS = {
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  workspace: 'workcell.dev/workspace',
  owner: 'workcell.dev/owner',
  /** `warm` while the pod waits in the pool; removed when a workspace claims it. */
  pool: 'workcell.dev/pool',
  /** On a Secret: the pod it belongs to. */
  pod: 'workcell.dev/pod',
} as const;

const CELL_LABELS = {
  'app.kubernetes.io/name': 'workcell',
  [LABELS.component]: 'cell',
  [LABELS.managedBy]: 'workcell-server',
};
/** Selects every object this driver makes, and only those. */
export const CELLS_SELECTOR = `${LABELS.component}=cell,${LABELS.managedBy}=workcell-server`;

export interface PodSettings {
  image: string;
  limits: CellLimits;
  runtimeClass?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: NonNullable<V1Pod['spec']>['tolerations'];
  /** Every pod's (warm ones are made before a workspace claims them): the server's. */
  egress?: EgressSettings;
}

export interface CellObjects {
  pod: V1Pod;
  secret: V1Secret;
  token: string;
}

/** Who the pod is for: a workspace, or the warm pool. */
export type Assignment = { workspaceId: string; ownerId: string } | 'warm';

const mebibytes = (bytes: number) => `${Math.ceil(bytes / 1024 / 1024)}Mi`;

export function cellObjects(name: string, settings: PodSettings, assignment: Assignment) {
  const token = randomBytes(32).toString('base64url');
  const secretName = secretNameOf(name);
  const labels: Record<string, string> = { ...CELL_LABELS, ...assignmentLabels(assignment) };
  const { limits } = settings;
  const resources = {
    cpu: `${Math.max(1, Math.round(limits.cpuCores * 1000))}m`,
    memory: mebibytes(limits.memoryBytes),
    'ephemeral-storage': mebibytes(limits.diskBytes + limits.tmpBytes + limits.homeBytes),
  };
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      ...(settings.runtimeClass && { runtimeClassName: settings.runtimeClass }),
      ...(settings.nodeSelector && { nodeSelector: settings.nodeSelector }),
      ...(settings.tolerations && { tolerations: settings.tolerations }),
      securityContext: {
        runAsNonRoot: true,
        runAsUser: CELL_UID,
        runAsGroup: CELL_UID,
        fsGroup: CELL_UID,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'agent',
          image: settings.image,
          imagePullPolicy: 'IfNotPresent',
          env: [
            { name: AGENT_ENV.fd, value: 'none' },
            { name: AGENT_ENV.listen, value: `0.0.0.0:${AGENT_PORT}` },
            {
              name: AGENT_ENV.token,
              valueFrom: { secretKeyRef: { name: secretName, key: TOKEN_KEY } },
            },
            { name: AGENT_ENV.root, value: CELL_ROOT },
            { name: AGENT_ENV.home, value: CELL_HOME },
            {
              name: AGENT_ENV.shellEnv,
              value: JSON.stringify(cellShellEnv(CELL_ROOT, CELL_HOME, settings.egress)),
            },
            // The agent's proxy, which carries the pod's egress over its connection.
            ...(settings.egress
              ? [{ name: AGENT_ENV.egressProxyPort, value: String(EGRESS_PROXY_PORT) }]
              : []),
          ],
          ports: [{ name: 'agent', containerPort: AGENT_PORT, protocol: 'TCP' }],
          readinessProbe: { tcpSocket: { port: AGENT_PORT }, periodSeconds: 1 },
          resources: { requests: resources, limits: resources },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            privileged: false,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts: [
            { name: 'workspace', mountPath: CELL_ROOT },
            { name: 'home', mountPath: CELL_HOME },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      // Filled from the database at every start (the cell's files are a cache): an
      // emptyDir needs no volume to attach, so a pod starts wherever it is scheduled.
      volumes: [
        { name: 'workspace', emptyDir: { sizeLimit: mebibytes(limits.diskBytes) } },
        { name: 'home', emptyDir: { sizeLimit: mebibytes(limits.homeBytes) } },
        { name: 'tmp', emptyDir: { sizeLimit: mebibytes(limits.tmpBytes) } },
      ],
    },
  };
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, labels: { ...CELL_LABELS, [LABELS.pod]: name } },
    type: 'Opaque',
    stringData: { [TOKEN_KEY]: token },
  };
  return { pod, secret, token } satisfies CellObjects;
}

export function assignmentLabels(assignment: Assignment): Record<string, string> {
  if (assignment === 'warm') return { [LABELS.pool]: 'warm' };
  return { [LABELS.workspace]: assignment.workspaceId, [LABELS.owner]: assignment.ownerId };
}

/** The agent token a cell Secret holds. */
export function tokenOf(secret: V1Secret): string | undefined {
  const encoded = secret.data?.[TOKEN_KEY];
  return encoded === undefined
    ? secret.stringData?.[TOKEN_KEY]
    : Buffer.from(encoded, 'base64').toString('utf8');
}

export function secretNameOf(podName: string): string {
  return `${podName}-agent`;
}
