import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IRuntimeClass } from 'kubernetes-models/node.k8s.io/v1/RuntimeClass';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { ILimitRange } from 'kubernetes-models/v1/LimitRange';
import type { IResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const kubernetesDir = path.dirname(fileURLToPath(import.meta.url));

const serverNamespace = 'workcell';
const cellNamespace = 'workcell-cells';
const agentPort = 7070;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

interface Overlay {
  name: string;
  host: string;
  replicas: { min: number; max: number };
  cellPods: number;
  runtimeClass: string | undefined;
}

const overlays: Overlay[] = [
  {
    name: 'dev',
    host: 'workcell.localtest.me',
    replicas: { min: 1, max: 2 },
    cellPods: 20,
    runtimeClass: undefined,
  },
  {
    name: 'production',
    host: 'workcell.example.com',
    replicas: { min: 2, max: 10 },
    cellPods: 200,
    runtimeClass: 'gvisor',
  },
];

async function kubectlVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('kubectl', ['version', '--client']);
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function render(overlay: string): Promise<Manifest[]> {
  const { stdout } = await run('kubectl', [
    'kustomize',
    path.join(kubernetesDir, 'overlays', overlay),
  ]);
  return parseAllDocuments(stdout).map((document) => {
    if (document.errors.length > 0) throw document.errors[0]!;
    return document.toJS() as Manifest;
  });
}

/** Throws unless `kubernetes-models` has a model for exactly this apiVersion and kind. */
async function modelFor(manifest: Manifest): Promise<new (data: unknown) => { validate(): void }> {
  const { apiVersion, kind } = manifest;
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) throw new Error(`not a kind: ${kind}`);
  let module: Record<string, unknown>;
  try {
    module = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, unknown>;
  } catch {
    throw new Error(`no Kubernetes schema for ${apiVersion} ${kind}`);
  }
  const model = module[kind] as
    { apiVersion?: string; kind?: string; new (data: unknown): { validate(): void } } | undefined;
  if (model?.apiVersion !== apiVersion || model.kind !== kind) {
    throw new Error(`no Kubernetes schema for ${apiVersion} ${kind}`);
  }
  return model;
}

/**
 * Kustomize wraps long base64 values over lines, and the API server's decoder (Go's
 * encoding/base64) skips line breaks; the schema's `byte` format does not.
 */
function asTheApiServerDecodes(manifest: Manifest): Manifest {
  const encoded = (manifest as ISecret).data;
  if (manifest.kind !== 'Secret' || !encoded) return manifest;
  const data = Object.fromEntries(
    Object.entries(encoded).map(([key, value]) => [key, value.replace(/[\r\n]/g, '')]),
  );
  return { ...manifest, data } as Manifest;
}

function describeManifest({ kind, metadata }: Manifest): string {
  return `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
}

/** The kinds the assertions read, by their `kind`. */
interface Kinds {
  ConfigMap: IConfigMap;
  Deployment: IDeployment;
  HorizontalPodAutoscaler: IHorizontalPodAutoscaler;
  Ingress: IIngress;
  LimitRange: ILimitRange;
  NetworkPolicy: INetworkPolicy;
  PodDisruptionBudget: IPodDisruptionBudget;
  ResourceQuota: IResourceQuota;
  Role: IRole;
  RoleBinding: IRoleBinding;
  RuntimeClass: IRuntimeClass;
  Secret: ISecret;
  Service: IService;
  ServiceAccount: IServiceAccount;
}

function ofKind<K extends keyof Kinds>(manifests: Manifest[], kind: K): Kinds[K][] {
  return manifests.filter((manifest) => manifest.kind === kind) as unknown as Kinds[K][];
}

function only<K extends keyof Kinds>(manifests: Manifest[], kind: K): Kinds[K] {
  const found = ofKind(manifests, kind);
  expect(found, `one ${kind}`).toHaveLength(1);
  return found[0]!;
}

function named<K extends keyof Kinds>(
  manifests: Manifest[],
  kind: K,
  namespace: string,
  name: string,
): Kinds[K] {
  const found = ofKind(manifests, kind).find(
    ({ metadata }) => metadata?.name === name && metadata.namespace === namespace,
  );
  if (!found) throw new Error(`${kind} ${namespace}/${name} is referenced but not rendered`);
  return found;
}

function isSubset(labels: Record<string, string> | undefined, of: Record<string, string>) {
  return Object.entries(labels ?? {}).every(([key, value]) => of[key] === value);
}

const quantitySuffixes: Record<string, number> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

function quantity(value: string | number | undefined): number {
  const match = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(String(value));
  const factor = match ? quantitySuffixes[match[2]!] : undefined;
  if (factor === undefined) throw new Error(`not a quantity: ${value}`);
  return Number(match![1]) * factor;
}

function imageTag(image: string): string {
  return image.slice(image.lastIndexOf(':') + 1);
}

function server(manifests: Manifest[]) {
  const deployment = named(manifests, 'Deployment', serverNamespace, 'workcell-server');
  const pod = deployment.spec!.template;
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const main = pod.spec!.containers[0]!;
  const configMapName = main.envFrom?.find((source) => source.configMapRef)?.configMapRef?.name;
  const config = named(manifests, 'ConfigMap', serverNamespace, configMapName!).data!;
  return { deployment, pod, containers, main, config };
}

function declaresPort(container: IContainer, port: string | number | undefined): boolean {
  return (container.ports ?? []).some(
    ({ name, containerPort }) => port === name || port === containerPort,
  );
}

const kubectl = await kubectlVersion();
const rendered = new Map<string, Manifest[]>();
if (kubectl) for (const { name } of overlays) rendered.set(name, await render(name));

describe.skipIf(!kubectl)(
  kubectl
    ? 'Kubernetes manifests'
    : 'Kubernetes manifests (skipped: kubectl is not on PATH; it renders the Kustomize overlays)',
  () => {
    describe.each(overlays)('overlay $name', (overlay) => {
      const manifests = rendered.get(overlay.name) ?? [];

      it.each(manifests.map((manifest) => [describeManifest(manifest), manifest] as const))(
        '%s matches its Kubernetes schema',
        async (_, manifest) => {
          const Model = await modelFor(manifest);
          expect(() => new Model(asTheApiServerDecodes(manifest)).validate()).not.toThrow();
        },
      );

      it('runs every server container non-root, read-only, without capabilities or escalation', () => {
        const { pod, containers } = server(manifests);
        expect(pod.spec?.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
        for (const container of containers) {
          const context = container.securityContext;
          expect(context?.runAsNonRoot ?? pod.spec?.securityContext?.runAsNonRoot).toBe(true);
          expect(context?.runAsUser ?? pod.spec?.securityContext?.runAsUser).not.toBe(0);
          expect(context?.readOnlyRootFilesystem).toBe(true);
          expect(context?.allowPrivilegeEscalation).toBe(false);
          expect(context?.capabilities?.drop).toContain('ALL');
          expect(context?.capabilities?.add ?? []).toEqual([]);
        }
      });

      it('probes the server on a port its container declares', () => {
        const { containers } = server(manifests);
        for (const container of containers) {
          const probes = [
            container.startupProbe,
            container.readinessProbe,
            container.livenessProbe,
          ];
          for (const probe of probes.filter((probe) => probe !== undefined)) {
            const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
            expect(declaresPort(container, port), `probe port ${port}`).toBe(true);
          }
        }
        expect(server(manifests).main.readinessProbe?.httpGet?.path).toBe('/api/health');
      });

      it('gives the server the ConfigMap and the database Secret it references', () => {
        const { main, config } = server(manifests);
        const reference = main.env?.find(({ name }) => name === 'DATABASE_URL')?.valueFrom
          ?.secretKeyRef;
        const secret = named(manifests, 'Secret', serverNamespace, reference!.name!);
        expect(Object.keys({ ...secret.data, ...secret.stringData })).toContain(reference!.key);
        expect(config).toMatchObject({
          CELL_DRIVER: 'kubernetes',
          CELL_NAMESPACE: cellNamespace,
          PUBLIC_URL: `https://${overlay.host}`,
        });
      });

      it('runs cells from the same release as the server', () => {
        const { main, config } = server(manifests);
        expect(main.image).toMatch(/:[\w.-]+$/);
        expect(imageTag(config.CELL_IMAGE!)).toBe(imageTag(main.image!));
      });

      it('selects the server pods from the Deployment, Service and PodDisruptionBudget', () => {
        const { deployment, pod, main } = server(manifests);
        const podLabels = pod.metadata!.labels!;
        expect(isSubset(deployment.spec!.selector.matchLabels, podLabels)).toBe(true);

        const service = only(manifests, 'Service');
        expect(service.spec?.selector).toBeDefined();
        expect(isSubset(service.spec?.selector, podLabels)).toBe(true);
        for (const port of service.spec!.ports!) {
          expect(declaresPort(main, port.targetPort), `targetPort ${port.targetPort}`).toBe(true);
        }

        // A budget where there is more than one server to keep up; with one, it would
        // block every node drain.
        const budgets = ofKind(manifests, 'PodDisruptionBudget');
        expect(budgets.length > 0).toBe(overlay.replicas.min > 1);
        for (const budget of budgets) {
          expect(isSubset(budget.spec?.selector?.matchLabels, podLabels)).toBe(true);
          const minAvailable = budget.spec?.minAvailable;
          if (typeof minAvailable === 'number') {
            expect(minAvailable).toBeLessThan(overlay.replicas.min);
          }
        }
      });

      it('autoscales the server Deployment, which leaves its replica count to the autoscaler', () => {
        const { deployment } = server(manifests);
        const autoscaler = only(manifests, 'HorizontalPodAutoscaler');
        expect(autoscaler.metadata?.namespace).toBe(deployment.metadata?.namespace);
        expect(autoscaler.spec?.scaleTargetRef).toEqual({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: deployment.metadata?.name,
        });
        expect(autoscaler.spec?.minReplicas).toBe(overlay.replicas.min);
        expect(autoscaler.spec?.maxReplicas).toBe(overlay.replicas.max);
        expect(deployment.spec?.replicas).toBeUndefined();
      });

      it('routes the Ingress host to a port of the server Service, over TLS', () => {
        const ingress = only(manifests, 'Ingress');
        const rules = ingress.spec?.rules ?? [];
        expect(rules.map(({ host }) => host)).toEqual([overlay.host]);
        expect(ingress.spec?.tls?.flatMap(({ hosts }) => hosts)).toEqual([overlay.host]);
        for (const { backend } of rules.flatMap(({ http }) => http?.paths ?? [])) {
          const service = named(
            manifests,
            'Service',
            ingress.metadata!.namespace!,
            backend.service!.name,
          );
          const { name, number } = backend.service!.port!;
          expect(
            service.spec?.ports?.some((port) => port.name === name || port.port === number),
          ).toBe(true);
        }
      });

      it('lets the server manage pods only in the cells namespace, with nothing cluster-wide', () => {
        const clusterWide = manifests.filter(({ kind }) => kind.startsWith('Cluster'));
        expect(clusterWide.map(describeManifest)).toEqual([]);

        const role = only(manifests, 'Role');
        expect(role.metadata?.namespace).toBe(cellNamespace);
        const binding = only(manifests, 'RoleBinding');
        expect(binding.metadata?.namespace).toBe(cellNamespace);
        expect(binding.roleRef).toEqual({
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: role.metadata?.name,
        });
        const { pod } = server(manifests);
        expect(binding.subjects).toEqual([
          {
            kind: 'ServiceAccount',
            name: pod.spec?.serviceAccountName,
            namespace: serverNamespace,
          },
        ]);
        named(manifests, 'ServiceAccount', serverNamespace, 'workcell-server');

        const cellAccount = named(manifests, 'ServiceAccount', cellNamespace, 'workcell-cell');
        expect(cellAccount.automountServiceAccountToken).toBe(false);
      });

      it('denies cells all egress and all ingress but the server on the agent port', () => {
        const policies = ofKind(manifests, 'NetworkPolicy').filter(
          ({ metadata }) => metadata?.namespace === cellNamespace,
        );
        const selectsCells = ({ spec }: INetworkPolicy) =>
          isSubset(spec?.podSelector?.matchLabels, { 'app.kubernetes.io/component': 'cell' });
        const denyingEgress = policies.filter(
          (policy) =>
            selectsCells(policy) &&
            policy.spec?.policyTypes?.includes('Egress') &&
            (policy.spec.egress ?? []).length === 0,
        );
        expect(denyingEgress).not.toHaveLength(0);
        expect(policies.flatMap(({ spec }) => spec?.egress ?? [])).toEqual([]);

        const ingress = policies.flatMap(({ spec }) => spec?.ingress ?? []);
        expect(ingress).toEqual([
          {
            from: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': serverNamespace },
                },
                podSelector: { matchLabels: { 'app.kubernetes.io/component': 'server' } },
              },
            ],
            ports: [{ port: agentPort, protocol: 'TCP' }],
          },
        ]);
      });

      it('lets the server reach the agent port of cells', () => {
        const { pod } = server(manifests);
        const egress = ofKind(manifests, 'NetworkPolicy')
          .filter(({ metadata, spec }) => {
            const selects = isSubset(spec?.podSelector?.matchLabels, pod.metadata!.labels!);
            return metadata?.namespace === serverNamespace && selects;
          })
          .flatMap(({ spec }) => spec?.egress ?? []);
        const toCells = egress.filter(({ to }) =>
          to?.some(
            (peer) =>
              peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ===
              cellNamespace,
          ),
        );
        expect(toCells.flatMap(({ ports }) => ports?.map(({ port }) => port))).toEqual([agentPort]);
      });

      it('sizes cell defaults as the server does, with quota room for every cell', () => {
        const { config } = server(manifests);
        const limitRange = only(manifests, 'LimitRange');
        const quota = only(manifests, 'ResourceQuota');
        expect(limitRange.metadata?.namespace).toBe(cellNamespace);
        expect(quota.metadata?.namespace).toBe(cellNamespace);

        const container = limitRange.spec!.limits.find(({ type }) => type === 'Container')!;
        expect(quantity(container.default?.cpu)).toBe(Number(config.CELL_CPU_CORES));
        expect(quantity(container.default?.memory)).toBe(Number(config.CELL_MEMORY_MIB) * 2 ** 20);

        const hard = quota.spec?.hard ?? {};
        expect(quantity(hard.pods)).toBe(overlay.cellPods);
        for (const resource of ['cpu', 'memory', 'ephemeral-storage']) {
          for (const [quotaKey, perCell] of [
            [`requests.${resource}`, container.defaultRequest?.[resource]],
            [`limits.${resource}`, container.default?.[resource]],
          ] as const) {
            expect(quantity(hard[quotaKey]), quotaKey).toBeGreaterThanOrEqual(
              overlay.cellPods * quantity(perCell),
            );
          }
        }
      });

      it('runs cells under the configured RuntimeClass, which exists', () => {
        const { config } = server(manifests);
        expect(config.CELL_RUNTIME_CLASS).toBe(overlay.runtimeClass);
        const runtimeClasses = ofKind(manifests, 'RuntimeClass');
        expect(runtimeClasses.map(({ metadata }) => metadata?.name)).toEqual(
          overlay.runtimeClass ? [overlay.runtimeClass] : [],
        );
      });
    });
  },
);
