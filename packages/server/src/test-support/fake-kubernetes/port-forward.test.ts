import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';

import { PortForward } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { waitFor } from '../wait';
import { startTestCluster, testNamespace as namespace, type TestCluster } from './test-cluster';

/** Echoes every byte back, listening on the pod's own address like a pod's server. */
const echoServer = `require('node:net').createServer((s) => s.pipe(s)).listen(7070, process.env.POD_IP)`;

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
  await cluster.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'echo' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'node:20',
            command: [process.execPath, '-e', echoServer],
            ports: [{ containerPort: 7070 }],
          },
        ],
      },
    },
  });
  await waitFor(
    async () =>
      (await cluster.core.readNamespacedPod({ name: 'echo', namespace })).status?.phase ===
      'Running',
    'the echo pod to run',
  );
});
afterAll(() => cluster[Symbol.asyncDispose]());

async function forward(port: number) {
  const [output, errors, input] = [new PassThrough(), new PassThrough(), new PassThrough()];
  let received = Buffer.alloc(0);
  let errorText = '';
  output.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  errors.on('data', (chunk: Buffer) => (errorText += chunk.toString()));
  const socket = await new PortForward(cluster.kubeConfig).portForward(
    namespace,
    'echo',
    [port],
    output,
    errors,
    input,
  );
  // Without retries the client hands back the socket itself, not a getter.
  if (typeof socket === 'function') throw new Error('expected the socket');
  return { socket, input, received: () => received, errorText: () => errorText };
}

describe('port-forward through the client PortForward class', () => {
  it('carries bytes both ways over v4.channel.k8s.io', async () => {
    const session = await forward(7070);
    expect(session.socket.protocol).toBe('v4.channel.k8s.io');
    session.input.write('ping');
    await waitFor(() => session.received().toString() === 'ping', 'the echo', 5000);

    const payload = randomBytes(256 * 1024);
    session.input.write(payload);
    await waitFor(() => session.received().length === 4 + payload.length, 'the large echo', 5000);
    expect(session.received().subarray(4).equals(payload)).toBe(true);
    expect(session.errorText()).toBe('');
    session.input.end();
  });

  it('reports a port nothing listens on over the error channel', async () => {
    const session = await forward(7071);
    await waitFor(() => session.errorText() !== '', 'the error', 5000);
    expect(session.errorText()).toMatch(
      /^an error occurred forwarding 7071 -> 7071: .*ECONNREFUSED/,
    );
  });
});
