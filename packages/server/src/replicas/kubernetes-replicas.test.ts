/**
 * Two server processes against one PostgreSQL and one fake cluster whose pods are real
 * cells (CELL_DRIVER=kubernetes): any replica serves any workspace, and a replica killed
 * with SIGKILL takes no terminal and no file with it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CoreV1Api } from '@kubernetes/client-node';
import type { ServerMessage } from '@workcell/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { LABELS } from '../cells/kubernetes/pod-template';
import { openTestDatabase, type TestDatabase } from '../test-support/api-harness';
import { startServerProcess, type ServerProcess } from '../test-support/cell-harness';
import { startCellCluster, type CellCluster } from '../test-support/fake-kubernetes/cell-cluster';
import { apiClient, type ApiClient, type LiveUser } from '../test-support/live-server';
import { waitFor } from '../test-support/wait';
import { plain, WsClient } from '../test-support/ws-client';

let cluster: CellCluster;
let core: CoreV1Api;
let database: TestDatabase;
let dataDir: string;
let first: ServerProcess;
let second: ServerProcess;
let api: [ApiClient, ApiClient];
let user: LiveUser;
const sockets: WsClient[] = [];

type Status = Extract<ServerMessage, { type: 'cell.status' }>;

async function replica(name: string): Promise<ServerProcess> {
  return startServerProcess({
    DATA_DIR: join(dataDir, name),
    DATABASE_URL: database.url!,
    CELL_DRIVER: 'kubernetes',
    KUBECONFIG: cluster.kubeconfigFile,
    CELL_NAMESPACE: cluster.namespace,
    CELL_WARM_POOL_SIZE: '1',
    // Idle after 6 s, reaped within 1.5 s more: a cell with a shell in it is never idle.
    CELL_IDLE_MINUTES: '0.1',
  });
}

async function connect(server: ServerProcess): Promise<WsClient> {
  const socket = await WsClient.connect(`${server.url.replace('http', 'ws')}/ws`, {
    token: user.token,
  });
  sockets.push(socket);
  return socket;
}

async function watching(server: ServerProcess, workspace: string): Promise<WsClient> {
  const socket = await connect(server);
  const from = socket.mark();
  socket.send({ type: 'workspace.watch', workspace });
  await socket.next('cell.status', (m) => m.workspace === workspace, from);
  return socket;
}

const statuses = (socket: WsClient, workspace: string, state: Status['state'], from: number) =>
  socket.messages
    .slice(from)
    .filter(
      (m): m is Status =>
        m.type === 'cell.status' && m.workspace === workspace && m.state === state,
    );

async function warmPods(): Promise<string[]> {
  const { items } = await core.listNamespacedPod({
    namespace: cluster.namespace,
    labelSelector: `${LABELS.pool}=warm`,
  });
  return items
    .filter((pod) => pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp)
    .map((pod) => pod.metadata!.name!);
}

async function podOf(workspace: string): Promise<string | undefined> {
  const { items } = await core.listNamespacedPod({
    namespace: cluster.namespace,
    labelSelector: `${LABELS.workspace}=${workspace}`,
  });
  return items.find((pod) => !pod.metadata?.deletionTimestamp)?.metadata?.name;
}

async function python(client: ApiClient, workspace: string, code: string): Promise<string> {
  const ran = await client.api(user, 'POST', `/api/workspace/${workspace}/run`, { code });
  expect(ran.status).toBe(200);
  return (ran.json as { stdout: string }).stdout;
}

/** A file's content as the database holds it, or undefined. */
async function content(client: ApiClient, workspace: string, path: string) {
  const file = await client.api(user, 'GET', `/api/workspace/${workspace}/file/${path}`);
  return file.status === 200 ? (file.json as { content: string }).content : undefined;
}

beforeAll(async () => {
  cluster = await startCellCluster();
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  database = await openTestDatabase('postgres');
  dataDir = await mkdtemp(join(tmpdir(), 'workcell-k8s-replicas-'));
  [first, second] = await Promise.all([replica('first'), replica('second')]);
  api = [apiClient(first.url), apiClient(second.url)];
  user = await api[0].registerUser('k8s');
}, 240_000);

afterAll(async () => {
  for (const socket of sockets) await socket.close().catch(() => undefined);
  await Promise.all([first?.kill('SIGTERM'), second?.kill('SIGTERM')]);
  await cluster?.close();
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

it('keeps one warm pool between the replicas, and refills it when a start takes its pod', async () => {
  const [pooled] = await waitFor(
    async () => {
      const pods = await warmPods();
      return pods.length === 1 && pods;
    },
    'one warm pod',
    120_000,
    200,
  );
  // Two replicas, each keeping the pool at one: still one pod after a few refill rounds.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(await warmPods()).toEqual([pooled]);
  const workspace = await api[0].createWorkspace(user, 'warm');
  expect((await api[0].api(user, 'POST', `/api/workspace/${workspace}/start`)).status).toBe(200);
  expect(await podOf(workspace)).toBe(pooled);
  const refilled = await waitFor(
    async () => {
      const pods = await warmPods();
      return pods.length === 1 && pods[0] !== pooled && pods;
    },
    'the pool refilled',
    120_000,
    200,
  );
  expect(refilled).toHaveLength(1);
}, 240_000);

it('saves through one replica reach a socket on the other and the cell', async () => {
  const workspace = await api[0].createWorkspace(user, 'saves');
  const onSecond = await watching(second, workspace);
  expect((await api[1].api(user, 'POST', `/api/workspace/${workspace}/start`)).status).toBe(200);
  const from = onSecond.mark();
  const saved = await api[0].api(user, 'POST', `/api/workspace/${workspace}/file/hello.py`, {
    content: 'print("saved through the first replica")\n',
  });
  expect(saved.status).toBe(201);
  await onSecond.next(
    'file.changed',
    (m) => m.workspace === workspace && m.path === 'hello.py',
    from,
  );
  expect(await python(api[1], workspace, 'exec(open("hello.py").read())')).toBe(
    'saved through the first replica\n',
  );
}, 120_000);

it('exactly one replica reaps an idle cell, and every socket hears it once', async () => {
  const workspace = await api[0].createWorkspace(user, 'idle');
  const [onFirst, onSecond] = [await watching(first, workspace), await watching(second, workspace)];
  const [fromFirst, fromSecond] = [onFirst.mark(), onSecond.mark()];
  expect((await api[0].api(user, 'POST', `/api/workspace/${workspace}/start`)).status).toBe(200);
  const stopped = await onSecond.next(
    'cell.status',
    (m) => m.workspace === workspace && m.state === 'stopped',
    fromSecond,
    60_000,
  );
  expect(stopped.reason).toMatch(/idle/);
  expect(await podOf(workspace)).toBeUndefined();
  // Several reaper ticks later, still one stop on each side.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  for (const [socket, from] of [
    [onFirst, fromFirst],
    [onSecond, fromSecond],
  ] as const) {
    expect(statuses(socket, workspace, 'stopping', from)).toHaveLength(1);
    expect(statuses(socket, workspace, 'stopped', from)).toHaveLength(1);
  }
}, 120_000);

it('notices a pod deleted behind its back: the cell is reported stopped and no file is lost', async () => {
  const workspace = await api[0].createWorkspace(user, 'deleted pod');
  const onSecond = await watching(second, workspace);
  await python(api[0], workspace, 'open("made_in_the_cell.txt", "w").write("kept\\n")');
  await onSecond.next(
    'file.changed',
    (m) => m.workspace === workspace && m.path === 'made_in_the_cell.txt',
  );
  const from = onSecond.mark();
  await core.deleteNamespacedPod({ name: (await podOf(workspace))!, namespace: cluster.namespace });
  const stopped = await onSecond.next(
    'cell.status',
    (m) => m.workspace === workspace && m.state === 'stopped',
    from,
    60_000,
  );
  expect(stopped.reason).toMatch(/pod was deleted/);
  expect(await content(api[1], workspace, 'made_in_the_cell.txt')).toBe('kept\n');
  // A new cell (a new pod) has it too.
  expect(
    await python(api[1], workspace, 'print(open("made_in_the_cell.txt").read(), end="")'),
  ).toBe('kept\n');
}, 180_000);

it('a dropped connection to a cell loses no shell: the next use connects again', async () => {
  const workspace = await api[0].createWorkspace(user, 'dropped');
  const socket = await connect(first);
  const terminal = await socket.open(workspace);
  await WsClient.prompt(terminal);
  const shell = (await terminal.run('echo $$')).trim();
  cluster.kubelet.dropConnections((await podOf(workspace))!);
  // The socket hears its terminal is no longer reached through this connection.
  await socket.next('error', (m) => m.ref === terminal.id);
  const again = await socket.open(workspace, { terminalId: terminal.id });
  expect(again.opened.restored).toBe(false);
  expect((await again.run('echo $$')).trim()).toBe(shell);
}, 120_000);

it('a replica shut down hands its cells over: the pod, its shell and its files stay', async () => {
  const third = await replica('third');
  try {
    const workspace = await api[0].createWorkspace(user, 'hand-over');
    const terminal = await (await connect(third)).open(workspace);
    await WsClient.prompt(terminal);
    const shell = (await terminal.run('echo $$')).trim();
    await terminal.run('echo handed > handed_over.txt');
    const pod = await podOf(workspace);
    await third.kill('SIGTERM');
    expect(third.child.exitCode).toBe(0);
    expect(await podOf(workspace)).toBe(pod);
    expect(await content(api[0], workspace, 'handed_over.txt')).toBe('handed\n');
    const again = await (await connect(first)).open(workspace, { terminalId: terminal.id });
    expect((await again.run('echo $$')).trim()).toBe(shell);
  } finally {
    await third.kill('SIGTERM');
  }
}, 180_000);

it('a terminal outlives the replica that opened it: re-attached through the other, same shell', async () => {
  const workspace = await api[0].createWorkspace(user, 'terminal');
  const viaSecond = await connect(second);
  const terminal = await viaSecond.open(workspace);
  await WsClient.prompt(terminal);
  const shell = (await terminal.run('echo $$')).trim();
  expect(shell).toMatch(/^\d+$/);
  await terminal.run('echo before-the-crash');
  await second.kill('SIGKILL');

  const viaFirst = await connect(first);
  const again = await viaFirst.open(workspace, { terminalId: terminal.id });
  expect(again.opened.restored).toBe(false);
  expect(plain(again.opened.replay)).toContain('before-the-crash');
  expect((await again.run('echo $$')).trim()).toBe(shell);
  // The survivor holds the cell now: its files sync through it.
  await again.run('echo after > after_the_crash.txt');
  await waitFor(
    async () => (await content(api[0], workspace, 'after_the_crash.txt')) === 'after\n',
    'the file written after the crash to sync',
    30_000,
    200,
  );
}, 180_000);
