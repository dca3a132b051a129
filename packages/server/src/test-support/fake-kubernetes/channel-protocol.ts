/**
 * The `*.channel.k8s.io` WebSocket framing that exec, attach and port-forward share:
 * every binary message starts with one byte naming its channel. Only the binary
 * subprotocols are spoken (not the base64 ones).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';

import WebSocket from 'ws';

import type { ApiError } from './status';

export const channel = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** A Status JSON saying how the command ended. */
  error: 3,
  /** `{"Width":…,"Height":…}` */
  resize: 4,
  /** v5 only: `[255, n]` closes channel n (the client's stdin ended). */
  close: 255,
} as const;

/** The first of `supported` (in order of preference) that the client offers. */
export function chooseProtocol(
  request: IncomingMessage,
  supported: readonly string[],
): string | undefined {
  const offered = new Set(
    (request.headers['sec-websocket-protocol'] ?? '').split(',').map((protocol) => protocol.trim()),
  );
  return supported.find((protocol) => offered.has(protocol));
}

export function frame(channelNumber: number, data: Uint8Array | string): Buffer {
  return Buffer.concat([Buffer.of(channelNumber), Buffer.from(data)]);
}

/**
 * A Writable whose chunks go out on one channel, in order with everything else sent on
 * the socket. Once the socket has closed, output is dropped: the client is gone.
 */
export function channelWriter(socket: WebSocket, channelNumber: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (socket.readyState === WebSocket.OPEN) socket.send(frame(channelNumber, chunk));
      done();
    },
  });
}

/** Refuses an upgrade the way the API server refuses any request: status and Status JSON. */
export function refuseUpgrade(socket: Duplex, error: ApiError): void {
  const body = JSON.stringify(error.toStatus());
  socket.end(
    `HTTP/1.1 ${error.code} ${error.reason}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
