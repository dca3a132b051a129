/**
 * The fake against a client it was not written with: kubectl (client-go), over TLS since
 * client-go sends its token only there. Skipped where kubectl is not installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { waitFor } from '../wait';
import {
  shellPod,
  startTestCluster,
  testNamespace as namespace,
  type TestCluster,
} from './test-cluster';

const kubectlPath = '/usr/bin/kubectl';

let cluster: TestCluster;
const kubectl = async (...args: string[]) => {
  try {
    const { stdout } = await promisify(execFile)(kubectlPath, [
      '--kubeconfig',
      cluster.kubeconfigFile,
      // Its discovery cache goes with the cluster's directory, not to ~/.kube.
      '--cache-dir',
      join(dirname(cluster.kubeconfigFile), 'kubectl-cache'),
      ...args,
    ]);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

describe.skipIf(!existsSync(kubectlPath))('kubectl against the fake over TLS', () => {
  beforeAll(async () => {
    cluster = await startTestCluster({ tls: true });
    // client-node trusts the fake through the certificate in the kubeconfig, too.
    await cluster.core.createNamespacedPod({
      namespace,
      body: shellPod('kubectl-target', 'sleep 30'),
    });
    await waitFor(
      async () =>
        (await cluster.core.readNamespacedPod({ name: 'kubectl-target', namespace })).status
          ?.phase === 'Running',
      'the pod to run',
    );
  });
  afterAll(() => cluster[Symbol.asyncDispose]());

  it('lists pods after discovery, by short name too', async () => {
    expect(cluster.fake.url).toMatch(/^https:/);
    const { stdout } = await kubectl('get', 'po', '-o', 'jsonpath={.items[*].status.phase}');
    expect(stdout).toBe('Running');
  });

  it('execs over its WebSocket client with the exit code', async () => {
    const result = await kubectl(
      'exec',
      'kubectl-target',
      '--',
      'sh',
      '-c',
      'echo "in $POD_NAME"; exit 4',
    );
    expect(result).toMatchObject({ code: 4, stdout: 'in kubectl-target\n' });
  });
});
