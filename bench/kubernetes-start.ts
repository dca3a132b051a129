/**
 * Cell start through the Kubernetes driver, against the fake cluster whose pods are real
 * local cells, with and without the warm pool. Needs root, like the cells themselves.
 *
 *   npx tsx bench/kubernetes-start.ts [--runs 20] [--no-docs]
 *
 * A start is what the cell manager waits for: driver.start (claim a warm pod, or create
 * the pod and its Secret and wait for it to be ready) → the agent's `ready` on the
 * authenticated connection. With the pool, each round waits for the pool to be full again
 * first, so every start is the common case of a user arriving at a steady pool. The fake
 * API server answers in microseconds and schedules at once; a real cluster adds its API
 * and scheduling latency (and an image pull on a cold node) to the cold start, and only
 * an API round trip or two to the warm one.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

import { CoreV1Api } from '@kubernetes/client-node';

import { machine, stats, writeSection } from './report';
import { AgentClient } from '../packages/server/src/cells/agent-client';
import { KubernetesCellDriver } from '../packages/server/src/cells/kubernetes';
import { LABELS } from '../packages/server/src/cells/kubernetes/pod-template';
import { defaultCellLimits } from '../packages/server/src/cells/limits';
import { BLOCKED } from '../packages/server/src/cells/local/test-support';
import { startCellCluster } from '../packages/server/src/test-support/fake-kubernetes/cell-cluster';
import { waitFor } from '../packages/server/src/test-support/wait';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const POOL = 2;
const log = (text: string) => process.stderr.write(`${text}\n`);

const cluster = await startCellCluster();
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);

function driver(warmPoolSize: number): KubernetesCellDriver {
  return new KubernetesCellDriver({
    namespace: cluster.namespace,
    image: 'workcell-cell:bench',
    warmPoolSize,
    route: 'network',
    limits: defaultCellLimits(),
    kubeConfig: cluster.kubeConfig,
  });
}

async function readyWarmPods(): Promise<number> {
  const { items } = await core.listNamespacedPod({
    namespace: cluster.namespace,
    labelSelector: `${LABELS.pool}=warm`,
  });
  return items.filter(
    (pod) =>
      !pod.metadata?.deletionTimestamp &&
      pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

/** Milliseconds from asking for a cell to its agent's `ready`, `RUNS` times. */
async function measure(warmPoolSize: number): Promise<number[]> {
  const cells = driver(warmPoolSize);
  await cells.sweepOrphans(new Set()); // connects the driver: the pool starts filling
  const samples: number[] = [];
  for (let round = 0; round < RUNS; round++) {
    if (warmPoolSize > 0)
      await waitFor(async () => (await readyWarmPods()) >= warmPoolSize, 'a full pool', 60_000, 50);
    const started = performance.now();
    const cell = await cells.start({
      workspaceId: randomUUID(),
      ownerId: randomUUID(),
      limits: defaultCellLimits(),
      blockedCommands: BLOCKED,
    });
    await new AgentClient(cell.channel).waitReady(30_000);
    samples.push(performance.now() - started);
    await cell.stop();
    log(`pool ${warmPoolSize}: round ${round + 1}/${RUNS}: ${samples.at(-1)!.toFixed(0)} ms`);
  }
  await cells.close();
  return samples;
}

// Without the pool first: the pool's pods stay (for other replicas) when its driver closes.
const cold = stats(await measure(0));
const warm = stats(await measure(POOL));
await cluster.close();

const ms = (value: number) => `${value.toFixed(0)} ms`;
const section = `## Cell start through the Kubernetes driver

\`npx tsx bench/kubernetes-start.ts --runs ${RUNS}\`, against the fake cluster whose pods are
real local cells running the real agent (\`packages/server/src/test-support/fake-kubernetes\`).
A start is driver.start → the agent's \`ready\` on its authenticated connection, what the
cell manager waits for before syncing files. ${machine()}.

| | p50 | p99 | n |
| --- | --- | --- | --- |
| no warm pool (create the pod, wait until ready) | ${ms(cold.median)} | ${ms(cold.p99)} | ${cold.n} |
| warm pool of ${POOL} (claim a ready pod) | ${ms(warm.median)} | ${ms(warm.p99)} | ${warm.n} |

The fake API server answers at once and has no scheduler, image pull or container runtime
of its own: the cold figure is mostly the local cell's start (sandbox, volume, agent). On a
real cluster a cold start adds scheduling, the container start and, on a node without the
image, its pull (seconds); a warm start adds one API round trip (the claiming patch) and one
connection. The pool refills in the background at the cold start's cost.
`;
if (values['no-docs']) console.log(section);
else await writeSection('## Cell start through the Kubernetes driver', section);
