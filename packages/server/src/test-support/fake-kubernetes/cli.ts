/**
 * `npm run fake-cluster -- --kubeconfig FILE [--namespace workcell-cells] [--port N] [--tls]`:
 * the fake API server with the process-backed kubelet, for trying a client by hand
 * (`--tls` for kubectl, which sends its token only over TLS).
 * Runs until SIGINT or SIGTERM, then stops its pods.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { ProcessKubelet } from './process-kubelet';
import { startFakeKubernetes } from './server';

const usage =
  'usage: npm run fake-cluster -- --kubeconfig FILE [--namespace NAME] [--port N] [--tls]';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    namespace: { type: 'string', default: 'workcell-cells' },
    port: { type: 'string', default: '0' },
    tls: { type: 'boolean', default: false },
  },
});
if (!values.kubeconfig || !/^\d+$/.test(values.port)) {
  console.error(usage);
  process.exit(2);
}

const kubeconfigFile = resolve(values.kubeconfig);
const fake = await startFakeKubernetes({
  kubelet: new ProcessKubelet(),
  namespaces: ['default', values.namespace],
  port: Number(values.port),
  tls: values.tls,
});
await fake.writeKubeconfig(kubeconfigFile, values.namespace);
console.log(`fake Kubernetes API at ${fake.url} (kubeconfig ${kubeconfigFile})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
