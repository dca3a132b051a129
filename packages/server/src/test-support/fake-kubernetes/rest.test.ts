import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { waitFor } from '../wait';
import {
  shellPod,
  startTestCluster,
  testNamespace as namespace,
  type TestCluster,
} from './test-cluster';

/** The HTTP status and Status object a failed call answered, as a driver would read them. */
async function failureOf(
  call: Promise<unknown>,
): Promise<{ code: number; reason?: string; message?: string }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const status = (typeof error.body === 'string' ? JSON.parse(error.body) : {}) as {
      kind?: string;
      reason?: string;
      message?: string;
    };
    if (error.code !== 401) expect(status.kind).toBe('Status');
    return { code: error.code, reason: status.reason, message: status.message };
  }
  throw new Error('the call succeeded');
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let cluster: TestCluster;
let core: CoreV1Api;
beforeAll(async () => {
  cluster = await startTestCluster();
  core = cluster.core;
});
afterAll(() => cluster[Symbol.asyncDispose]());

const exists = async (name: string) =>
  (await core.listNamespacedPod({ namespace, fieldSelector: `metadata.name=${name}` })).items
    .length > 0;
const podPhase = async (name: string) =>
  (await core.readNamespacedPod({ name, namespace })).status?.phase;

describe('pods through CoreV1Api', () => {
  it('creates, reads, lists, patches, replaces and deletes a pod', async () => {
    const created = await core.createNamespacedPod({
      namespace,
      body: shellPod('crud', 'sleep 30'),
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.spec?.restartPolicy).toBe('Always');

    const read = await core.readNamespacedPod({ name: 'crud', namespace });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
    const listed = await core.listNamespacedPod({ namespace });
    expect(listed.items.map((pod) => pod.metadata?.name)).toContain('crud');
    expect(Number(listed.metadata?.resourceVersion)).toBeGreaterThanOrEqual(
      Number(read.metadata?.resourceVersion),
    );

    const patched = await core.patchNamespacedPod(
      { name: 'crud', namespace, body: { metadata: { labels: { claimed: 'yes' } } } },
      mergePatch,
    );
    expect(patched.metadata?.labels).toEqual({ app: 'test', claimed: 'yes' });
    const strategic = await core.patchNamespacedPod(
      { name: 'crud', namespace, body: { metadata: { annotations: { note: 'x' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.metadata?.annotations).toEqual({ note: 'x' });
    // The client's default patch type is a JSON patch.
    const jsonPatched = await core.patchNamespacedPod({
      name: 'crud',
      namespace,
      body: [{ op: 'remove', path: '/metadata/labels/claimed' }],
    });
    expect(jsonPatched.metadata?.labels).toEqual({ app: 'test' });

    const current = await core.readNamespacedPod({ name: 'crud', namespace });
    const replaced = await core.replaceNamespacedPod({
      name: 'crud',
      namespace,
      body: { ...current, metadata: { ...current.metadata, labels: { app: 'replaced' } } },
    });
    expect(replaced.metadata?.labels).toEqual({ app: 'replaced' });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(current.metadata?.resourceVersion),
    );

    await core.deleteNamespacedPod({ name: 'crud', namespace, gracePeriodSeconds: 0 });
    expect(await failureOf(core.readNamespacedPod({ name: 'crud', namespace }))).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'pods "crud" not found',
    });
  });

  it('answers 409 Conflict for a stale resourceVersion and AlreadyExists for a taken name', async () => {
    await core.createNamespacedPod({ namespace, body: shellPod('stale', 'sleep 30') });
    const first = await core.readNamespacedPod({ name: 'stale', namespace });
    await core.patchNamespacedPod(
      { name: 'stale', namespace, body: { metadata: { labels: { a: '1' } } } },
      mergePatch,
    );
    expect(
      await failureOf(core.replaceNamespacedPod({ name: 'stale', namespace, body: first })),
    ).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(
      await failureOf(
        core.patchNamespacedPod(
          {
            name: 'stale',
            namespace,
            body: {
              metadata: { resourceVersion: first.metadata?.resourceVersion, labels: { b: '2' } },
            },
          },
          mergePatch,
        ),
      ),
    ).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(
      await failureOf(core.createNamespacedPod({ namespace, body: shellPod('stale', 'true') })),
    ).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'pods "stale" already exists' });
    await core.deleteNamespacedPod({ name: 'stale', namespace, gracePeriodSeconds: 0 });
  });

  it('names pods from generateName and refuses what the real server refuses', async () => {
    const pod = shellPod('', 'sleep 30');
    pod.metadata = { generateName: 'cell-' };
    const created = await core.createNamespacedPod({ namespace, body: pod });
    expect(created.metadata?.name).toMatch(/^cell-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    await core.deleteNamespacedPod({
      name: created.metadata!.name!,
      namespace,
      gracePeriodSeconds: 0,
    });

    expect(
      await failureOf(core.createNamespacedPod({ namespace, body: shellPod('Upper', 'true') })),
    ).toMatchObject({
      code: 422,
      reason: 'Invalid',
    });
    expect(
      await failureOf(
        core.createNamespacedPod({ namespace: 'nowhere', body: shellPod('lost', 'true') }),
      ),
    ).toMatchObject({ code: 404, message: 'namespaces "nowhere" not found' });
  });

  it('lists by label selector and by field selector', async () => {
    const labelled = (name: string, labels: Record<string, string>): V1Pod => ({
      ...shellPod(name, 'sleep 30'),
      metadata: { name, labels },
    });
    await core.createNamespacedPod({
      namespace,
      body: labelled('sel-a', { pool: 'warm', tier: 'x' }),
    });
    await core.createNamespacedPod({
      namespace,
      body: labelled('sel-b', { pool: 'warm', tier: 'y' }),
    });
    await core.createNamespacedPod({ namespace, body: labelled('sel-c', { pool: 'cold' }) });
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedPod({ namespace, labelSelector, fieldSelector })).items
        .map((pod) => pod.metadata!.name!)
        .filter((name) => name.startsWith('sel-'))
        .sort();
    expect(await names('pool=warm')).toEqual(['sel-a', 'sel-b']);
    expect(await names('pool!=warm')).toEqual(['sel-c']);
    expect(await names('tier')).toEqual(['sel-a', 'sel-b']);
    expect(await names('!tier')).toEqual(['sel-c']);
    expect(await names('tier in (y, z)')).toEqual(['sel-b']);
    expect(await names('pool=warm,tier notin (y)')).toEqual(['sel-a']);
    expect(await names(undefined, 'metadata.name=sel-c')).toEqual(['sel-c']);
    await waitFor(async () => (await podPhase('sel-a')) === 'Running', 'sel-a running');
    expect(await names('pool=warm', 'status.phase=Running')).toContain('sel-a');
    expect(await names(undefined, 'status.phase=Succeeded')).toEqual([]);
    for (const name of ['sel-a', 'sel-b', 'sel-c'])
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
  });
});

describe('the pod lifecycle on the fake node', () => {
  it('schedules, starts and reports a pod with the events a kubelet writes', async () => {
    await core.createNamespacedPod({ namespace, body: shellPod('life', 'sleep 30') });
    const running = await waitFor(async () => {
      const pod = await core.readNamespacedPod({ name: 'life', namespace });
      return pod.status?.phase === 'Running' && pod;
    }, 'the pod to run');
    expect(running.spec?.nodeName).toBe('fake-node-1');
    expect(running.status?.podIP).toMatch(/^127\.1\.\d+\.\d+$/);
    expect(running.status?.containerStatuses?.[0]).toMatchObject({
      name: 'main',
      ready: true,
      started: true,
    });
    expect(running.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

    const events = await core.listNamespacedEvent({
      namespace,
      fieldSelector: 'involvedObject.name=life',
    });
    const byReason = (reason: string) =>
      events.items.find((event: CoreV1Event) => event.reason === reason);
    expect(events.items.map((event) => event.reason)).toEqual([
      'Scheduled',
      'Pulling',
      'Pulled',
      'Created',
      'Started',
    ]);
    expect(byReason('Scheduled')).toMatchObject({
      message: `Successfully assigned ${namespace}/life to fake-node-1`,
      source: { component: 'default-scheduler' },
    });
    expect(byReason('Started')).toMatchObject({
      type: 'Normal',
      message: 'Started container main',
      involvedObject: {
        kind: 'Pod',
        name: 'life',
        uid: running.metadata?.uid,
        fieldPath: 'spec.containers{main}',
      },
      source: { component: 'kubelet', host: 'fake-node-1' },
    });

    // Graceful deletion: marked, stopped by the kubelet (Killing), then gone.
    const deleting = await core.deleteNamespacedPod({ name: 'life', namespace });
    expect(deleting.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(deleting.metadata?.deletionGracePeriodSeconds).toBe(1);
    await waitFor(async () => !(await exists('life')), 'the pod to go', 5000);
    const after = await core.listNamespacedEvent({
      namespace,
      fieldSelector: 'involvedObject.name=life,reason=Killing',
    });
    expect(after.items[0]?.message).toBe('Stopping container main');
  });

  it('runs a pod created already bound to the node, without a Scheduled event', async () => {
    await core.createNamespacedPod({
      namespace,
      body: shellPod('bound', 'sleep 30', { nodeName: 'fake-node-1' }),
    });
    await waitFor(async () => (await podPhase('bound')) === 'Running', 'the bound pod to run');
    const events = await core.listNamespacedEvent({
      namespace,
      fieldSelector: 'involvedObject.name=bound',
    });
    expect(events.items.map((event) => event.reason)).toEqual([
      'Pulling',
      'Pulled',
      'Created',
      'Started',
    ]);
    await core.deleteNamespacedPod({ name: 'bound', namespace, gracePeriodSeconds: 0 });
  });

  it('reports a pod whose process ends as Succeeded or Failed', async () => {
    await core.createNamespacedPod({ namespace, body: shellPod('done-ok', 'exit 0') });
    await core.createNamespacedPod({ namespace, body: shellPod('done-bad', 'exit 3') });
    await waitFor(async () => (await podPhase('done-ok')) === 'Succeeded', 'Succeeded');
    await waitFor(async () => (await podPhase('done-bad')) === 'Failed', 'Failed');
    const failed = await core.readNamespacedPod({ name: 'done-bad', namespace });
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
    });
    // A finished pod has nothing left to stop: it goes at once.
    await core.deleteNamespacedPod({ name: 'done-ok', namespace });
    await core.deleteNamespacedPod({ name: 'done-bad', namespace });
    expect((await failureOf(core.readNamespacedPod({ name: 'done-ok', namespace }))).code).toBe(
      404,
    );
  });

  it('kills what a finished pod left running when the pod is deleted', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fake-kubernetes-orphan-'));
    onTestFinished(() => rm(directory, { recursive: true }));
    const pidFile = join(directory, 'pid');
    await core.createNamespacedPod({
      namespace,
      body: shellPod('leaver', `sleep 60 & echo $! > ${pidFile}`),
    });
    await waitFor(async () => (await podPhase('leaver')) === 'Succeeded', 'the pod to finish');
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).not.toThrow();
    await core.deleteNamespacedPod({ name: 'leaver', namespace });
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      'the background process to go',
      5000,
    );
  });

  it('serves the status subresource for status writes', async () => {
    await core.createNamespacedPod({ namespace, body: shellPod('status', 'sleep 30') });
    await waitFor(async () => (await podPhase('status')) === 'Running', 'running');
    const patched = await core.patchNamespacedPodStatus(
      {
        name: 'status',
        namespace,
        body: { status: { message: 'hello' }, metadata: { labels: { ignored: 'yes' } } },
      },
      mergePatch,
    );
    expect(patched.status?.message).toBe('hello');
    expect(patched.metadata?.labels?.ignored).toBeUndefined();
    // Writes to the pod itself leave the status alone.
    const replaced = await core.replaceNamespacedPod({
      name: 'status',
      namespace,
      body: { ...patched, status: { phase: 'Failed' } },
    });
    expect(replaced.status?.phase).toBe('Running');
    expect(
      (await core.readNamespacedPodStatus({ name: 'status', namespace })).status?.message,
    ).toBe('hello');
    await core.deleteNamespacedPod({ name: 'status', namespace, gracePeriodSeconds: 0 });
  });
});

describe('other kinds and access', () => {
  it('keeps secrets, folding stringData into data', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'cell-1' }, stringData: { token: 's3cret' } },
    });
    const secret = await core.readNamespacedSecret({ name: 'cell-1', namespace });
    expect(secret.data).toEqual({ token: Buffer.from('s3cret').toString('base64') });
    expect((await core.listNamespacedSecret({ namespace })).items).toHaveLength(1);
    const status = await core.deleteNamespacedSecret({ name: 'cell-1', namespace });
    expect(status.status).toBe('Success');
    expect((await failureOf(core.readNamespacedSecret({ name: 'cell-1', namespace }))).code).toBe(
      404,
    );
  });

  it('keeps leases, with optimistic concurrency for taking one over', async () => {
    const leases = cluster.kubeConfig.makeApiClient(CoordinationV1Api);
    const body = {
      metadata: { name: 'cell-lease' },
      spec: { holderIdentity: 'replica-a', leaseDurationSeconds: 15 },
    };
    const created = await leases.createNamespacedLease({ namespace, body });
    const renewed = await leases.replaceNamespacedLease({
      name: 'cell-lease',
      namespace,
      body: { ...created, spec: { ...created.spec, renewTime: new Date() } },
    });
    // client-node 1.4.0 types renewTime (a MicroTime) as Date but hands back the string.
    expect(String(renewed.spec?.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT/);
    // A second replica that read the lease before the renewal loses the race.
    expect(
      await failureOf(
        leases.replaceNamespacedLease({
          name: 'cell-lease',
          namespace,
          body: { ...created, spec: { ...created.spec, holderIdentity: 'replica-b' } },
        }),
      ),
    ).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: expect.stringContaining('leases.coordination.k8s.io "cell-lease"') as unknown,
    });
    await leases.deleteNamespacedLease({ name: 'cell-lease', namespace });
  });

  it('serves the namespaces it was given', async () => {
    const found = await core.readNamespace({ name: namespace });
    expect(found.status?.phase).toBe('Active');
    expect((await failureOf(core.readNamespace({ name: 'other' }))).code).toBe(404);
  });

  it('answers 401 without the bearer token', async () => {
    const anonymous = new KubeConfig();
    anonymous.loadFromOptions({
      clusters: [{ name: 'fake', server: cluster.fake.url, skipTLSVerify: true }],
      users: [{ name: 'nobody' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'nobody' }],
      currentContext: 'fake',
    });
    expect(
      (await failureOf(anonymous.makeApiClient(CoreV1Api).listNamespacedPod({ namespace }))).code,
    ).toBe(401);
    const podsUrl = `${cluster.fake.url}/api/v1/namespaces/${namespace}/pods`;
    const raw = await fetch(podsUrl);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
    const signedIn = await fetch(podsUrl, {
      headers: { authorization: `Bearer ${cluster.fake.token}` },
    });
    expect(await signedIn.json()).toMatchObject({ kind: 'PodList', apiVersion: 'v1' });
  });
});
