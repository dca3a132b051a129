import { PassThrough, Readable } from 'node:stream';

import { Exec, type V1Status } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { waitFor } from '../wait';
import type { FakeKubelet, TerminalSize } from './kubelet';
import {
  shellPod,
  startTestCluster,
  testNamespace as namespace,
  type TestCluster,
} from './test-cluster';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
  await cluster.core.createNamespacedPod({ namespace, body: shellPod('exec-target', 'sleep 60') });
  await waitFor(
    async () =>
      (await cluster.core.readNamespacedPod({ name: 'exec-target', namespace })).status?.phase ===
      'Running',
    'the pod to run',
  );
});
afterAll(() => cluster[Symbol.asyncDispose]());

/** Runs a command through the client's Exec class, as a driver would. */
async function exec(command: string[], stdin?: Readable) {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const output = { stdout: '', stderr: '' };
  stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  let status: V1Status | undefined;
  const socket = await new Exec(cluster.kubeConfig).exec(
    namespace,
    'exec-target',
    'main',
    command,
    stdout,
    stderr,
    stdin ?? null,
    false,
    (received) => (status = received),
  );
  const protocol = socket.protocol;
  await waitFor(() => status, 'the exit status', 5000);
  return { ...output, status: status!, protocol };
}

describe('exec through the client Exec class', () => {
  it('returns stdout, stderr and success over v5.channel.k8s.io', async () => {
    const result = await exec(['sh', '-c', 'echo out; echo err >&2']);
    expect(result).toMatchObject({
      stdout: 'out\n',
      stderr: 'err\n',
      protocol: 'v5.channel.k8s.io',
    });
    expect(result.status).toEqual({ metadata: {}, status: 'Success' });
  });

  it('reports a non-zero exit code the way the kubelet does', async () => {
    const { status } = await exec(['sh', '-c', 'exit 2']);
    expect(status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '2' }] },
    });
  });

  it('feeds stdin and closes it when the client ends it', async () => {
    const { stdout, status } = await exec(
      ['sh', '-c', 'cat; echo done'],
      Readable.from(['hello ', 'world\n']),
    );
    expect(stdout).toBe('hello world\ndone\n');
    expect(status.status).toBe('Success');
  });

  it('runs in the pod: its directory and environment', async () => {
    const { stdout } = await exec(['sh', '-c', 'echo "$POD_NAME $POD_NAMESPACE" && pwd']);
    const [identity, directory] = stdout.trim().split('\n');
    expect(identity).toBe(`exec-target ${namespace}`);
    expect(directory).toMatch(/fake-pod-exec-target-/);
  });

  it('answers a Failure status for a command that does not exist', async () => {
    const { status } = await exec(['no-such-command-here']);
    expect(status.status).toBe('Failure');
    expect(status.message).toContain('no-such-command-here');
  });

  it('refuses to exec in a pod that is not running', async () => {
    await cluster.core.createNamespacedPod({ namespace, body: shellPod('exec-finished', 'true') });
    await waitFor(
      async () =>
        (await cluster.core.readNamespacedPod({ name: 'exec-finished', namespace })).status
          ?.phase === 'Succeeded',
      'the pod to finish',
    );
    const stdout = new PassThrough();
    await expect(
      new Exec(cluster.kubeConfig).exec(
        namespace,
        'exec-finished',
        'main',
        ['true'],
        stdout,
        null,
        null,
        false,
      ),
    ).rejects.toThrow(/400/);
    await expect(
      new Exec(cluster.kubeConfig).exec(
        namespace,
        'no-such-pod',
        'main',
        ['true'],
        stdout,
        null,
        null,
        false,
      ),
    ).rejects.toThrow(/404/);
  });
});

describe('exec through a kubelet of its own', () => {
  it('hands the kubelet the container, the command, the tty flag and every resize', async () => {
    const seen: { container: string; command: string[]; tty: boolean; sizes: TerminalSize[] }[] =
      [];
    const kubelet: FakeKubelet = {
      start: () => Promise.resolve({ podIP: '127.0.0.1' }),
      stop: () => Promise.resolve(),
      connect: () => Promise.reject(new Error('nothing listens')),
      exec: async (_pod, container, command, streams) => {
        const call = { container, command, tty: streams.tty, sizes: [] as TerminalSize[] };
        seen.push(call);
        streams.resizes.on('resize', (size) => call.sizes.push(size));
        await waitFor(() => call.sizes.length === 2, 'two sizes', 5000);
        streams.stdout.write('resized\n');
        return { exitCode: 0 };
      },
    };
    await using own = await startTestCluster({ kubelet });
    await own.core.createNamespacedPod({ namespace, body: shellPod('tty', 'unused') });
    await waitFor(
      async () =>
        (await own.core.readNamespacedPod({ name: 'tty', namespace })).status?.phase === 'Running',
      'the pod to run',
    );

    // A stdout with rows and columns is a terminal to the client: it sends its size, and
    // sends it again on every 'resize'.
    const terminal = Object.assign(new PassThrough(), { rows: 24, columns: 80 });
    let output = '';
    terminal.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let status: V1Status | undefined;
    await new Exec(own.kubeConfig).exec(
      namespace,
      'tty',
      'main',
      ['bash'],
      terminal,
      null,
      null,
      true,
      (s) => (status = s),
    );
    await waitFor(() => seen[0]?.sizes.length === 1, 'the first size', 5000);
    Object.assign(terminal, { rows: 30, columns: 100 });
    terminal.emit('resize');
    await waitFor(() => status, 'the exit status', 5000);

    expect(seen).toEqual([
      {
        container: 'main',
        command: ['bash'],
        tty: true,
        sizes: [
          { width: 80, height: 24 },
          { width: 100, height: 30 },
        ],
      },
    ]);
    expect(output).toBe('resized\n');
    expect(status?.status).toBe('Success');
  });
});
