import { makeInformer, Watch, type V1Pod, type V1Status } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { waitFor } from '../wait';
import {
  shellPod,
  startTestCluster,
  testNamespace as namespace,
  type TestCluster,
} from './test-cluster';

const podsPath = `/api/v1/namespaces/${namespace}/pods`;

interface Seen {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string } } & Partial<V1Status>;
}

/** A watch through the client's Watch class, recording events and how it ended. */
async function startWatch(cluster: TestCluster, query: Record<string, string | boolean>) {
  const seen: Seen[] = [];
  let ended: { error: unknown } | undefined;
  const request = await new Watch(cluster.kubeConfig).watch(
    podsPath,
    query,
    (type: string, object: Seen['object']) => seen.push({ type, object }),
    (error: unknown) => (ended = { error }),
  );
  return { seen, ended: () => ended, abort: () => request.abort() };
}

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ bookmarkIntervalMs: 100 });
});
afterAll(() => cluster[Symbol.asyncDispose]());

const labelled = (name: string, app: string): V1Pod => {
  const pod = shellPod(name, 'sleep 30');
  return { ...pod, metadata: { name, labels: { app } } };
};

describe('watch through the client Watch class', () => {
  it('replays and streams ADDED, MODIFIED and DELETED in resourceVersion order, filtered by labels', async () => {
    const { core } = cluster;
    const listed = await core.listNamespacedPod({ namespace });
    const watch = await startWatch(cluster, {
      resourceVersion: listed.metadata!.resourceVersion!,
      labelSelector: 'app=watched',
    });
    await core.createNamespacedPod({ namespace, body: labelled('w-1', 'watched') });
    await core.createNamespacedPod({ namespace, body: labelled('w-other', 'other') });
    await waitFor(
      async () =>
        (await core.readNamespacedPod({ name: 'w-1', namespace })).status?.phase === 'Running',
      'running',
    );
    // Losing the label is a DELETED for this watch, although the pod stays.
    await core.patchNamespacedPod({
      name: 'w-1',
      namespace,
      body: [{ op: 'replace', path: '/metadata/labels/app', value: 'moved' }],
    });
    await waitFor(() => watch.seen.at(-1)?.type === 'DELETED', 'the DELETED event');

    const types = watch.seen.map((event) => event.type);
    expect(types[0]).toBe('ADDED');
    expect(types.at(-1)).toBe('DELETED');
    expect(types.slice(1, -1).every((type) => type === 'MODIFIED')).toBe(true);
    expect(watch.seen.every((event) => event.object.metadata?.name === 'w-1')).toBe(true);
    const versions = watch.seen.map((event) => Number(event.object.metadata?.resourceVersion));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);

    // A watch from the same resourceVersion replays the same history.
    const replay = await startWatch(cluster, {
      resourceVersion: listed.metadata!.resourceVersion!,
      labelSelector: 'app=watched',
    });
    await waitFor(() => replay.seen.length >= watch.seen.length, 'the replay');
    expect(replay.seen.map((event) => event.type)).toEqual(types);
    watch.abort();
    replay.abort();
    for (const name of ['w-1', 'w-other'])
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
  });

  it('shows a graceful deletion as MODIFIED with a deletionTimestamp, Killing, then DELETED', async () => {
    const { core } = cluster;
    await core.createNamespacedPod({ namespace, body: labelled('w-doomed', 'doomed') });
    await waitFor(
      async () =>
        (await core.readNamespacedPod({ name: 'w-doomed', namespace })).status?.phase === 'Running',
      'running',
    );
    const from = (await core.listNamespacedPod({ namespace })).metadata!.resourceVersion!;
    const watch = await startWatch(cluster, { resourceVersion: from, labelSelector: 'app=doomed' });
    await core.deleteNamespacedPod({ name: 'w-doomed', namespace });
    await waitFor(() => watch.seen.at(-1)?.type === 'DELETED', 'the DELETED event', 5000);
    const [marked] = watch.seen;
    expect(marked?.type).toBe('MODIFIED');
    expect(marked?.object.metadata).toHaveProperty('deletionTimestamp');
    const killing = await core.listNamespacedEvent({
      namespace,
      fieldSelector: 'involvedObject.name=w-doomed,reason=Killing',
    });
    expect(Number(killing.items[0]?.metadata?.resourceVersion)).toBeLessThan(
      Number(watch.seen.at(-1)?.object.metadata?.resourceVersion),
    );
    watch.abort();
  });

  it('starts with a synthetic ADDED per object without a resourceVersion, and sends bookmarks', async () => {
    const { core } = cluster;
    await core.createNamespacedPod({ namespace, body: labelled('w-present', 'present') });
    const watch = await startWatch(cluster, {
      labelSelector: 'app=present',
      allowWatchBookmarks: true,
    });
    await waitFor(() => watch.seen.some((event) => event.type === 'BOOKMARK'), 'a bookmark', 5000);
    expect(watch.seen[0]).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'w-present' } },
    });
    const bookmark = watch.seen.find((event) => event.type === 'BOOKMARK')!;
    expect(bookmark.object).toEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.stringMatching(/^\d+$/) as unknown },
    });
    watch.abort();
    await core.deleteNamespacedPod({ name: 'w-present', namespace, gracePeriodSeconds: 0 });
  });

  it('answers a too-old resourceVersion with an ERROR event carrying 410 Expired, then ends', async () => {
    const { core } = cluster;
    const old = (await core.listNamespacedPod({ namespace })).metadata!.resourceVersion!;
    await core.createNamespacedPod({ namespace, body: labelled('w-late', 'late') });
    cluster.fake.compactHistory();
    const watch = await startWatch(cluster, { resourceVersion: old });
    await waitFor(() => watch.ended(), 'the watch to end');
    expect(watch.seen).toHaveLength(1);
    expect(watch.seen[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' },
    });
    expect(watch.seen[0]!.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    // The client's done callback sees a normal end: the error is in the event.
    expect(watch.ended()!.error).toBeNull();
    await core.deleteNamespacedPod({ name: 'w-late', namespace, gracePeriodSeconds: 0 });
  });

  it('ends a watch after timeoutSeconds', async () => {
    const watch = await startWatch(cluster, { timeoutSeconds: '1' });
    await waitFor(() => watch.ended(), 'the timeout', 3000);
  });
});

describe('an informer (list, then watch) against the fake', () => {
  it('sees adds, updates and deletes, rides out closed watches and re-lists after a 410', async () => {
    const { core } = cluster;
    let lists = 0;
    const informer = makeInformer<V1Pod>(
      cluster.kubeConfig,
      podsPath,
      () => {
        lists++;
        return core.listNamespacedPod({ namespace, labelSelector: 'app=informed' });
      },
      'app=informed',
    );
    const log: string[] = [];
    informer.on('add', (pod) => log.push(`add ${pod.metadata?.name}`));
    informer.on('update', (pod) => log.push(`update ${pod.metadata?.name} ${pod.status?.phase}`));
    informer.on('delete', (pod) => log.push(`delete ${pod.metadata?.name}`));
    const errors: unknown[] = [];
    informer.on('error', (error) => errors.push(error));
    await informer.start();

    await core.createNamespacedPod({ namespace, body: labelled('i-1', 'informed') });
    await waitFor(() => log.includes('update i-1 Running'), 'i-1 running in the cache');
    expect(log[0]).toBe('add i-1');
    expect(informer.get('i-1', namespace)?.status?.phase).toBe('Running');

    // The server ends the watch (as on a restart): the informer watches again and goes on.
    cluster.fake.closeWatches();
    await core.patchNamespacedPod({
      name: 'i-1',
      namespace,
      body: [{ op: 'add', path: '/metadata/annotations', value: { seen: 'after-close' } }],
    });
    await waitFor(
      () => informer.get('i-1', namespace)?.metadata?.annotations?.seen === 'after-close',
      'the update',
    );
    expect(lists).toBe(1);

    // Changes while it was away, and a history that no longer reaches back: it re-lists.
    await informer.stop();
    await core.createNamespacedPod({ namespace, body: labelled('i-2', 'informed') });
    await core.deleteNamespacedPod({ name: 'i-1', namespace, gracePeriodSeconds: 0 });
    cluster.fake.compactHistory();
    await informer.start();
    await waitFor(() => log.includes('add i-2') && log.includes('delete i-1'), 'the re-list');
    expect(lists).toBe(2);
    expect(informer.list(namespace).map((pod) => pod.metadata?.name)).toEqual(['i-2']);

    await informer.stop();
    await core.deleteNamespacedPod({ name: 'i-2', namespace, gracePeriodSeconds: 0 });
    // client-node 1.4.0 reports its own stop() to the error callbacks, as an AbortError.
    expect(errors.map((error) => (error as Error).name)).toEqual(['AbortError', 'AbortError']);
  });
});
