/**
 * For the fake's tests: a fake cluster with the process-backed kubelet, and clients of
 * @kubernetes/client-node configured the way a driver would be — from the kubeconfig
 * file the fake writes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';

import { ProcessKubelet } from './process-kubelet';
import { startFakeKubernetes, type FakeKubernetes, type FakeKubernetesOptions } from './server';

export const testNamespace = 'cells';

export interface TestCluster extends AsyncDisposable {
  fake: FakeKubernetes;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  kubeconfigFile: string;
}

export async function startTestCluster(
  options: Partial<FakeKubernetesOptions> = {},
): Promise<TestCluster> {
  const fake = await startFakeKubernetes({
    kubelet: new ProcessKubelet(),
    namespaces: ['default', testNamespace],
    ...options,
  });
  const directory = await mkdtemp(join(tmpdir(), 'fake-kubernetes-test-'));
  const kubeconfigFile = join(directory, 'kubeconfig');
  await fake.writeKubeconfig(kubeconfigFile, testNamespace);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigFile);
  return {
    fake,
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    kubeconfigFile,
    [Symbol.asyncDispose]: async () => {
      await fake.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A pod whose one container runs `script` under sh (the process kubelet ignores images). */
export function shellPod(name: string, script: string, extra: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    metadata: { name, labels: { app: 'test' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', script] }],
      ...extra,
    },
  };
}
