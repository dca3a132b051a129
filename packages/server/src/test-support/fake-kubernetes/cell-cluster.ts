/**
 * A fake cluster whose pods are real local cells (CellKubelet), for the Kubernetes
 * driver's tests and for `npm run fake-cluster`: the cells live under a scratch
 * directory and a cgroup parent of their own, and go with the cluster.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { KubeConfig } from '@kubernetes/client-node';

import { LocalCellDriver } from '../../cells/local';
import { CellKubelet } from './cell-kubelet';
import { startFakeKubernetes, type FakeKubernetes } from './server';

export interface CellCluster extends AsyncDisposable {
  fake: FakeKubernetes;
  kubelet: CellKubelet;
  kubeConfig: KubeConfig;
  kubeconfigFile: string;
  namespace: string;
  close(): Promise<void>;
}

let clusters = 0;

export async function startCellCluster(
  options: { namespace?: string; port?: number; tls?: boolean; kubeconfigFile?: string } = {},
): Promise<CellCluster> {
  const namespace = options.namespace ?? 'workcell-cells';
  const dir = await mkdtemp(join(tmpdir(), 'workcell-fake-cluster-'));
  // The cells' unprivileged uids must reach the volumes' mount points.
  await chmod(dir, 0o711);
  const cellsDir = join(dir, 'cells');
  const driver = new LocalCellDriver({
    cellsDir,
    cgroupParent: `workcell-fake-cluster-${process.pid}-${clusters++}`,
  });
  const kubelet = new CellKubelet(driver);
  const fake = await startFakeKubernetes({
    kubelet,
    namespaces: ['default', namespace],
    port: options.port,
    tls: options.tls,
  });
  const kubeconfigFile = options.kubeconfigFile ?? join(dir, 'kubeconfig');
  await fake.writeKubeconfig(kubeconfigFile, namespace);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigFile);
  const close = async () => {
    await fake.close();
    await kubelet.close();
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  };
  return {
    fake,
    kubelet,
    kubeConfig,
    kubeconfigFile,
    namespace,
    close,
    [Symbol.asyncDispose]: close,
  };
}
