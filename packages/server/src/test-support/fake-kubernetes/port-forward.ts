/**
 * `pods/NAME/portforward?ports=P` over WebSocket: for the i-th port, channel 2i carries
 * data and 2i+1 errors, and the server's first message on each names the port (2 bytes,
 * little-endian). The bytes go to the kubelet's connection to that port in the pod.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import { WebSocketServer, type WebSocket } from 'ws';

import { chooseProtocol, frame } from './channel-protocol';
import type { FakeNode } from './fake-node';
import type { PodJson } from './objects';
import { apiErrors } from './status';

const portForwardProtocols = ['v4.channel.k8s.io', 'portforward.k8s.io'];

export interface PortForwardTarget {
  namespace: string;
  name: string;
  query: URLSearchParams;
}

function parsePorts(query: URLSearchParams): number[] {
  const ports = query
    .getAll('ports')
    .flatMap((value) => value.split(','))
    .map((value) => Number(value.trim()));
  if (ports.length === 0) throw apiErrors.badRequest('query parameter "port" is required');
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw apiErrors.badRequest(`invalid port: ${port}`);
  }
  return ports;
}

export class PortForwards {
  readonly #server = new WebSocketServer({
    noServer: true,
    handleProtocols: (_offered, request) => chooseProtocol(request, portForwardProtocols) ?? false,
  });

  constructor(private readonly node: FakeNode) {}

  /** Throws ApiError (before upgrading) when the request cannot be served. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget): void {
    const ports = parsePorts(target.query);
    if (!chooseProtocol(request, portForwardProtocols))
      throw apiErrors.badRequest(
        `unable to upgrade: none of ${portForwardProtocols.join(', ')} offered`,
      );
    const { pod } = this.node.runningPod(target.namespace, target.name);
    this.#server.handleUpgrade(request, socket, head, (webSocket) => {
      ports.forEach((port, index) => this.#forward(webSocket, pod, port, index));
    });
  }

  /** Closes every forwarding socket, and with them their connections into pods. */
  close(): void {
    for (const client of this.#server.clients) client.terminate();
    this.#server.close();
  }

  #forward(webSocket: WebSocket, pod: PodJson, port: number, index: number): void {
    const [dataChannel, errorChannel] = [2 * index, 2 * index + 1];
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    webSocket.send(frame(dataChannel, portBytes));
    webSocket.send(frame(errorChannel, portBytes));

    // Data the client sends before the connection is up waits on the promise, in order.
    const connection = Promise.resolve().then(() => this.node.connect(pod, port));
    webSocket.on('message', (data: Buffer) => {
      if (data[0] === dataChannel)
        void connection.then(
          (target) => target.write(data.subarray(1)),
          () => undefined,
        );
    });
    connection.then(
      (target) => {
        if (webSocket.readyState !== webSocket.OPEN) {
          target.destroy();
          return;
        }
        target.on('data', (chunk: Buffer) => webSocket.send(frame(dataChannel, chunk)));
        target.on('error', () => webSocket.close());
        target.on('close', () => webSocket.close());
        webSocket.on('close', () => target.end(() => target.destroy()));
      },
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        webSocket.send(
          frame(
            errorChannel,
            `an error occurred forwarding ${port} -> ${port}: error forwarding port ${port} to pod ${pod.metadata.name}, uid ${pod.metadata.uid}: ${reason}`,
          ),
        );
        webSocket.close();
      },
    );
  }
}
