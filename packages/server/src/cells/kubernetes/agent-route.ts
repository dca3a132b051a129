/**
 * How the server reaches a cell pod's agent: straight to the pod's IP (the usual way; the
 * cells' NetworkPolicy admits the server) or through the API server's port-forward, where
 * no network path from server to cells exists. Either way the first frame is the cell's
 * token; the agent answers with `ready`, and the stream is the agent channel from then on.
 */
import { connect, type Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';

import { PortForward, type KubeConfig } from '@kubernetes/client-node';

import { encodeFrame } from '@workcell/protocol/agent';

import { AGENT_PORT } from './pod-template';

export type AgentRoute = 'network' | 'port-forward';

const CONNECT_TIMEOUT_MS = 10_000;
/** Probes a silent connection, so a replica or node that vanished is noticed. */
const KEEPALIVE_MS = 15_000;

export interface AgentAddress {
  namespace: string;
  pod: string;
  podIP: string;
  token: string;
}

export async function connectAgent(
  route: AgentRoute,
  kubeConfig: KubeConfig,
  address: AgentAddress,
): Promise<Duplex> {
  const channel =
    route === 'network'
      ? await connectDirect(address.podIP)
      : await connectForwarded(kubeConfig, address);
  channel.write(encodeFrame({ auth: address.token }));
  return channel;
}

function connectDirect(host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: AGENT_PORT, timeout: CONNECT_TIMEOUT_MS });
    const fail = (error: Error) => {
      socket.destroy();
      reject(
        new Error(`the cell's agent at ${host}:${AGENT_PORT} is unreachable: ${error.message}`),
      );
    };
    socket.once('error', fail);
    socket.once('timeout', () => fail(new Error('timed out')));
    socket.once('connect', () => {
      socket.off('error', fail);
      socket.setTimeout(0);
      socket.setKeepAlive(true, KEEPALIVE_MS);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

async function connectForwarded(kubeConfig: KubeConfig, address: AgentAddress): Promise<Duplex> {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  const socket = await new PortForward(kubeConfig, true).portForward(
    address.namespace,
    address.pod,
    [AGENT_PORT],
    fromAgent,
    null,
    toAgent,
  );
  const webSocket = typeof socket === 'function' ? socket() : socket;
  const channel = Duplex.from({ readable: fromAgent, writable: toAgent });
  webSocket?.on('close', () => {
    fromAgent.end();
    channel.destroy();
  });
  channel.on('close', () => webSocket?.close());
  return channel;
}
