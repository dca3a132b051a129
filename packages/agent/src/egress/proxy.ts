/**
 * The cell's HTTP(S) proxy on its own loopback (127.0.0.1:WORKCELL_EGRESS_PROXY_PORT),
 * the only way out of a cell whose network namespace holds nothing else. It decides
 * nothing: each connection becomes one egress stream to the server, which applies the
 * allow-list; a refusal comes back to the program as an HTTP error naming the reason.
 * The proxy owns its listener and every socket it accepted until the socket is handed to
 * a stream.
 */
import { createServer, type Server, type Socket } from 'node:net';

import { errorCatalogue } from '@workcell/protocol/errors';

import { AgentFailure, toFailure } from '../failure';
import { log } from '../log';
import { MAX_HEAD_BYTES, parseProxyRequest } from './proxy-request';
import type { EgressStreams } from './streams';

/** A client must finish its request head within this. */
const HEAD_TIMEOUT_MS = 10_000;
const HEAD_END = Buffer.from('\r\n\r\n');

export class EgressProxy {
  private readonly server: Server;
  private readonly waiting = new Set<Socket>();

  constructor(
    port: number,
    /** The current server connection's streams; undefined while none is connected. */
    private readonly streams: () => EgressStreams | undefined,
  ) {
    this.server = createServer((socket) => this.accept(socket));
    this.server.on('error', (error) => log(`egress proxy: ${error.message}`));
    this.server.listen({ host: '127.0.0.1', port });
  }

  dispose(): void {
    this.server.close();
    for (const socket of this.waiting) socket.destroy();
  }

  private accept(socket: Socket): void {
    this.waiting.add(socket);
    socket.once('close', () => this.waiting.delete(socket));
    socket.on('error', () => undefined);
    socket.setTimeout(HEAD_TIMEOUT_MS, () => socket.destroy());
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(HEAD_END);
      if (end < 0 && buffered.length <= MAX_HEAD_BYTES) return;
      socket.off('data', onData);
      socket.pause();
      socket.setTimeout(0);
      const headLength = end + HEAD_END.length;
      if (end < 0 || headLength > MAX_HEAD_BYTES) {
        this.refuse(
          socket,
          new AgentFailure('VALIDATION_FAILED', `request head over ${MAX_HEAD_BYTES} bytes`),
        );
        return;
      }
      void this.forward(socket, buffered.subarray(0, headLength), buffered.subarray(headLength));
    };
    socket.on('data', onData);
  }

  /** `rest`: what the client sent after its head, which goes on after it. */
  private async forward(socket: Socket, head: Buffer, rest: Buffer): Promise<void> {
    try {
      const request = parseProxyRequest(head.toString('latin1'));
      const streams = this.streams();
      if (!streams) throw new AgentFailure('CELL_UNAVAILABLE', 'the cell has no server connection');
      await streams.start({
        host: request.host,
        port: request.port,
        socket,
        opened: () => {
          if (request.tunnel) socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          const first = Buffer.concat([request.head, rest]);
          if (first.length > 0) socket.unshift(first);
          this.waiting.delete(socket);
        },
      });
    } catch (error) {
      this.refuse(socket, toFailure(error, 'egress'));
    }
  }

  /** Answers with the failure's status and a body that names the reason, then closes. */
  private refuse(socket: Socket, failure: AgentFailure): void {
    const status = errorCatalogue[failure.code].status;
    const body = `${failure.code}: ${failure.message}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
        `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Workcell-Error: ${failure.code}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
