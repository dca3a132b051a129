/**
 * The Kubernetes driver against the fake cluster whose pods are real local cells running
 * the real agent: what a server (and so a user) would notice of a cell that is a pod.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';

import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { encodeFrame, FrameDecoder } from '@workcell/protocol/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  startCellCluster,
  type CellCluster,
} from '../../test-support/fake-kubernetes/cell-cluster';
import { waitFor } from '../../test-support/wait';
import { AgentClient } from '../agent-client';
import type { RunningCell } from '../driver';
import { defaultCellLimits } from '../limits';
import { BLOCKED, READY_TIMEOUT_MS } from '../local/test-support';
import type { AgentRoute } from './agent-route';
import { KubernetesCellDriver } from './kubernetes-driver';
import { AGENT_PORT, LABELS } from './pod-template';

let cluster: CellCluster;
let core: CoreV1Api;
const drivers: KubernetesCellDriver[] = [];

beforeAll(async () => {
  cluster = await startCellCluster();
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
}, 60_000);

afterAll(async () => {
  for (const driver of drivers) await driver.close();
  await cluster?.close();
}, 60_000);

function newDriver(warmPoolSize = 0, route: AgentRoute = 'network'): KubernetesCellDriver {
  const driver = new KubernetesCellDriver({
    namespace: cluster.namespace,
    image: 'workcell-cell:test',
    warmPoolSize,
    route,
    limits: defaultCellLimits(),
    kubeConfig: cluster.kubeConfig,
  });
  drivers.push(driver);
  return driver;
}

const spec = (workspaceId: string, progress?: (message: string) => void) => ({
  workspaceId,
  ownerId: randomUUID(),
  limits: defaultCellLimits(),
  blockedCommands: BLOCKED,
  progress,
});

async function connected(cell: RunningCell): Promise<AgentClient> {
  const agent = new AgentClient(cell.channel);
  await agent.waitReady(READY_TIMEOUT_MS);
  return agent;
}

async function podOf(workspaceId: string): Promise<V1Pod | undefined> {
  const { items } = await core.listNamespacedPod({
    namespace: cluster.namespace,
    labelSelector: `${LABELS.workspace}=${workspaceId}`,
  });
  return items.find((pod) => !pod.metadata?.deletionTimestamp);
}

async function run(agent: AgentClient, code: string): Promise<string> {
  const { result, body } = await agent.request({
    op: 'exec.run',
    execId: randomUUID(),
    argv: ['python3', '-c', code],
    timeoutMs: 20_000,
    maxOutputBytes: 4096,
  });
  expect(result.exitCode).toBe(0);
  return body.subarray(0, result.stdoutBytes).toString('utf8');
}

describe('a cell as a pod', () => {
  const workspaceId = randomUUID();
  let cell: RunningCell;
  let agent: AgentClient;
  const progress: string[] = [];

  beforeAll(async () => {
    cell = await newDriver().start(spec(workspaceId, (message) => progress.push(message)));
    agent = await connected(cell);
  }, 60_000);

  it('runs user code in a real cell, its progress told from the pod events', async () => {
    expect(await run(agent, 'import os; print(os.getcwd())')).toBe('/app\n');
    expect(progress).toEqual(
      expect.arrayContaining([
        'a node was found for the cell',
        'pulling the cell image',
        'starting the agent',
      ]),
    );
  });

  it('is a pod that keeps the security promises, labelled with its workspace and owner', async () => {
    const pod = (await podOf(workspaceId))!;
    const spec = pod.spec!;
    const container = spec.containers[0]!;
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources?.limits).toEqual(container.resources?.requests);
    expect(container.resources?.limits).toMatchObject({ cpu: '500m', memory: '512Mi' });
    expect(pod.metadata?.labels?.[LABELS.owner]).toMatch(/^[0-9a-f-]{36}$/);
    // The token is a Secret's, not written in the pod.
    const token = container.env?.find((e) => e.name === 'WORKCELL_AGENT_TOKEN');
    expect(token?.value).toBeUndefined();
    expect(token?.valueFrom?.secretKeyRef?.name).toBe(`${pod.metadata!.name}-agent`);
  });

  it("refuses a connection to the pod's agent without its token", async () => {
    const pod = (await podOf(workspaceId))!;
    const socket = connect(AGENT_PORT, pod.status!.podIP);
    socket.write(encodeFrame({ auth: 'x'.repeat(43) }));
    const decoder = new FrameDecoder();
    const frames: unknown[] = [];
    socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk).map((f) => f.header)));
    await new Promise((resolve) => socket.on('close', resolve));
    expect(frames).toHaveLength(1);
    expect(frames).toMatchObject([{ ev: 'error', error: { code: 'UNAUTHENTICATED' } }]);
    // The cell's own connection is untouched.
    expect(await run(agent, 'print(6 * 7)')).toBe('42\n');
  });

  it('is taken over by a second server: the same shell, and the first one let go', async () => {
    const ptyId = randomUUID();
    const { result: opened } = await agent.request({ op: 'pty.open', ptyId, cols: 80, rows: 24 });
    const other = await newDriver().start(spec(workspaceId));
    const otherAgent = await connected(other);
    expect(await cell.exited).toMatchObject({ reason: 'the connection to its agent was lost' });
    const { result } = await otherAgent.request({ op: 'pty.list' });
    expect(result.ptys).toEqual([expect.objectContaining({ ptyId, pid: opened.pid })]);
    cell = other;
    agent = otherAgent;
  });

  it('is reported stopped, not failed, when its pod is deleted behind its back', async () => {
    const pod = (await podOf(workspaceId))!;
    await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: cluster.namespace });
    expect(await cell.exited).toEqual({ reason: 'its pod was deleted', stopped: true });
  });
});

it("reaches the agent through the API server's port-forward, where the pod network is closed", async () => {
  const cell = await newDriver(0, 'port-forward').start(spec(randomUUID()));
  const agent = await connected(cell);
  expect(await run(agent, 'print(6 * 7)')).toBe('42\n');
  await cell.stop();
  expect(await cell.exited).toEqual({ reason: 'stopped' });
}, 60_000);

it('stops a cell by deleting its pod and its Secret', async () => {
  const workspaceId = randomUUID();
  const cell = await newDriver().start(spec(workspaceId));
  await connected(cell);
  const name = (await podOf(workspaceId))!.metadata!.name!;
  await cell.stop();
  expect(await podOf(workspaceId)).toBeUndefined();
  await expect(
    core.readNamespacedSecret({ name: `${name}-agent`, namespace: cluster.namespace }),
  ).rejects.toMatchObject({ code: 404 });
  expect(await cell.exited).toEqual({ reason: 'stopped' });
});

it('starts a cell from the warm pool by relabelling a ready pod, and refills the pool', async () => {
  const driver = newDriver(1);
  const warm = async () =>
    (
      await core.listNamespacedPod({
        namespace: cluster.namespace,
        labelSelector: `${LABELS.pool}=warm`,
      })
    ).items.filter((pod) => pod.status?.phase === 'Running');
  await driver.probe();
  await driver.sweepOrphans(new Set()); // connects the driver, which starts filling the pool
  const [ready] = await waitFor(
    async () => {
      const pods = await warm();
      return pods.length === 1 ? pods : undefined;
    },
    'a warm pod',
    60_000,
    100,
  );
  const workspaceId = randomUUID();
  const progress: string[] = [];
  const cell = await driver.start(spec(workspaceId, (message) => progress.push(message)));
  await connected(cell);
  expect((await podOf(workspaceId))?.metadata?.name).toBe(ready!.metadata!.name);
  expect(progress).toEqual([]);
  const refilled = await waitFor(
    async () => {
      const pods = await warm();
      return pods.length === 1 && pods[0]!.metadata!.name !== ready!.metadata!.name
        ? pods
        : undefined;
    },
    'the pool refilled',
    60_000,
    100,
  );
  expect(refilled[0]!.metadata!.labels?.[LABELS.workspace]).toBeUndefined();
  await cell.stop();
}, 120_000);

it('sweeps the pods of workspaces it is not told to keep, never a warm one', async () => {
  const driver = newDriver();
  const kept = randomUUID();
  const orphan = randomUUID();
  const cells = [await driver.start(spec(kept)), await driver.start(spec(orphan))];
  const warmBefore = (
    await core.listNamespacedPod({
      namespace: cluster.namespace,
      labelSelector: `${LABELS.pool}=warm`,
    })
  ).items.length;
  expect(await driver.sweepOrphans(new Set([kept]))).toEqual([orphan]);
  expect(await podOf(orphan)).toBeUndefined();
  expect(await podOf(kept)).toBeDefined();
  const warmAfter = (
    await core.listNamespacedPod({
      namespace: cluster.namespace,
      labelSelector: `${LABELS.pool}=warm`,
    })
  ).items.length;
  expect(warmAfter).toBe(warmBefore);
  await cells[0]!.stop();
  await cells[1]!.stop();
}, 120_000);
