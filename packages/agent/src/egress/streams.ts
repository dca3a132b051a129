/**
 * The egress streams of one server connection: each carries a socket of the cell's proxy
 * to the server (net.* in @workcell/protocol/agent), which decides whether it may go on.
 * They are the connection's: when it closes they all end, as the server end of each is
 * gone with it.
 */
import type { Duplex } from 'node:stream';

import type { AgentEvent } from '@workcell/protocol/agent';
import { NetPipe } from '@workcell/protocol/net-pipe';
import type { ErrorCode } from '@workcell/protocol';

import { AgentFailure } from '../failure';

/** Streams open or opening at once; the server's per-cell limit is far lower. */
export const MAX_STREAMS = 256;
/** The server answers within its connect timeout; this is for a server that never does. */
const OPEN_TIMEOUT_MS = 30_000;

export interface StreamRequest {
  host: string;
  port: number;
  socket: Duplex;
  /** The server let the stream through; runs before the socket's bytes start to flow. */
  opened(): void;
}

interface Opening extends StreamRequest {
  fail(failure: AgentFailure): void;
  timer: NodeJS.Timeout;
}

export class EgressStreams {
  private readonly opening = new Map<number, Opening>();
  private readonly open = new Map<number, NetPipe>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly send: (header: AgentEvent, body?: Uint8Array) => void) {}

  /**
   * Asks the server for a stream; resolves once it is flowing, rejects with the server's
   * refusal (EGRESS_REFUSED, RATE_LIMITED, EGRESS_UNREACHABLE) or TIMEOUT.
   */
  start(request: StreamRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new AgentFailure('CELL_UNAVAILABLE', 'the server connection is closing'));
        return;
      }
      if (this.opening.size + this.open.size >= MAX_STREAMS) {
        reject(new AgentFailure('RATE_LIMITED', `at most ${MAX_STREAMS} connections at once`));
        return;
      }
      const streamId = this.nextId++;
      const timer = setTimeout(() => {
        this.refused(streamId, 'TIMEOUT', 'the server did not answer in time');
        // Should the answer come after all, the server's end must not stay open.
        this.send({ ev: 'net.close', streamId });
      }, OPEN_TIMEOUT_MS);
      this.opening.set(streamId, {
        ...request,
        opened: () => {
          request.opened();
          resolve();
        },
        fail: reject,
        timer,
      });
      this.send({ ev: 'net.open', streamId, host: request.host, port: request.port });
    });
  }

  // What the server says of a stream. Each acts at once, before the next frame is read, so
  // data that follows `net.opened` in the same read finds the stream open.

  opened(streamId: number): void {
    const opening = this.take(streamId);
    if (!opening) return;
    if (opening.socket.destroyed || opening.socket.readableEnded) {
      // The program gave up while the server was connecting.
      this.send({ ev: 'net.close', streamId });
      opening.fail(new AgentFailure('CELL_UNAVAILABLE', 'the program closed its connection'));
      return;
    }
    const pipe = new NetPipe(
      opening.socket,
      {
        data: (chunk) => this.send({ ev: 'net.data', streamId }, chunk),
        ack: (bytes) => this.send({ ev: 'net.ack', streamId, bytes }),
        close: () => this.send({ ev: 'net.close', streamId }),
      },
      () => this.open.delete(streamId),
    );
    this.open.set(streamId, pipe);
    opening.opened();
    opening.socket.resume();
  }

  refused(streamId: number, code: ErrorCode, message: string): void {
    this.take(streamId)?.fail(new AgentFailure(code, message));
  }

  // A stream that has ended may still get frames the server sent before it heard: those
  // are dropped, as is anything for a stream never opened.

  data(streamId: number, body: Buffer): void {
    this.open.get(streamId)?.receive(body);
  }

  ack(streamId: number, bytes: number): void {
    this.open.get(streamId)?.ack(bytes);
  }

  close(streamId: number): void {
    this.open.get(streamId)?.end();
  }

  /** Fails the streams still opening and ends the open ones; the server has gone. */
  dispose(): void {
    this.closed = true;
    for (const streamId of [...this.opening.keys()]) {
      this.refused(streamId, 'CELL_UNAVAILABLE', 'the server connection closed');
    }
    for (const pipe of [...this.open.values()]) pipe.destroy();
  }

  /** Undefined for an answer after the timeout: the stream's net.close is on its way. */
  private take(streamId: number): Opening | undefined {
    const opening = this.opening.get(streamId);
    if (!opening) return undefined;
    this.opening.delete(streamId);
    clearTimeout(opening.timer);
    return opening;
  }
}
