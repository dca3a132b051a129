/**
 * `npm run fake-cluster -- --kubeconfig FILE [--namespace workcell-cells] [--port N] [--tls]
 * [--kubelet cells|processes]`: the fake API server for running Workcell's Kubernetes driver
 * by hand — its pods are real local cells (root and bubblewrap needed, as for the server),
 * or with `--kubelet processes` plain host processes (for trying a client). `--tls` for
 * kubectl, which sends its token only over TLS. Runs until SIGINT or SIGTERM, then stops
 * its pods.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { startCellCluster } from './cell-cluster';
import { ProcessKubelet } from './process-kubelet';
import { startFakeKubernetes } from './server';

const usage =
  'usage: npm run fake-cluster -- --kubeconfig FILE [--namespace NAME] [--port N] [--tls] [--kubelet cells|processes]';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    namespace: { type: 'string', default: 'workcell-cells' },
    port: { type: 'string', default: '0' },
    tls: { type: 'boolean', default: false },
    kubelet: { type: 'string', default: 'cells' },
  },
});
if (
  !values.kubeconfig ||
  !/^\d+$/.test(values.port) ||
  !['cells', 'processes'].includes(values.kubelet)
) {
  console.error(usage);
  process.exit(2);
}

const kubeconfigFile = resolve(values.kubeconfig);
const options = { namespace: values.namespace, port: Number(values.port), tls: values.tls };
const cluster =
  values.kubelet === 'cells'
    ? await startCellCluster({ ...options, kubeconfigFile })
    : await startFakeKubernetes({
        kubelet: new ProcessKubelet(),
        namespaces: ['default', values.namespace],
        ...options,
      }).then(async (fake) => {
        await fake.writeKubeconfig(kubeconfigFile, values.namespace);
        return { fake, close: () => fake.close() };
      });
console.log(
  `fake Kubernetes API at ${cluster.fake.url} (kubeconfig ${kubeconfigFile}, ${values.kubelet} kubelet)`,
);

// `on`, not `once`: a signal sent to the process group reaches this process twice (tsx
// relays it too), and a second one with no handler left would kill it mid-close, leaving
// its cells' mounts behind.
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    void cluster.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('closing the fake cluster failed:', error);
        process.exit(1);
      },
    );
  });
}
