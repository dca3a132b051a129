/**
 * One end of an egress stream (net.* in agent.ts): a socket on this side, frames to the
 * other. The same on both sides — the agent's end holds the cell program's socket, the
 * server's the remote host's — so flow control cannot differ between them: a side stops
 * reading its socket while the other has more than NET_FLOW_WINDOW_BYTES of its data
 * unacknowledged, and acknowledges what it received once its own socket has taken it.
 */
import type { Duplex } from 'node:stream';

import { NET_CHUNK_BYTES, NET_FLOW_WINDOW_BYTES } from './agent';

/** The frames a pipe sends to the other side. */
export interface NetPipePeer {
  data(chunk: Buffer): void;
  ack(bytes: number): void;
  /** Sent once, when this side's socket has ended or failed. */
  close(): void;
}

/**
 * Acknowledgements are gathered up to this before one is sent: far below the window, so
 * a sender waiting for them always gets them.
 */
const ACK_BATCH_BYTES = NET_FLOW_WINDOW_BYTES / 4;
/**
 * After its end is written, how long a socket may stay open waiting for the other end's:
 * the stream is over and uncounted by then, so the socket must not linger unowned.
 */
const END_LINGER_MS = 10_000;

export class NetPipe {
  private unacked = 0;
  /** Received, not yet acknowledged (written or queued). */
  private held = 0;
  /** Written to the socket, not yet acknowledged. */
  private toAck = 0;
  private paused = false;
  private done = false;

  constructor(
    private readonly socket: Duplex,
    private readonly peer: NetPipePeer,
    /** Called once when the stream is over, whichever side ended it. */
    private readonly onDone: () => void,
    /** Told of every chunk read, before it is sent; false stops the stream (a budget). */
    private readonly allow: (bytes: number) => boolean = () => true,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.once('end', () => this.finish(true));
    socket.on('error', () => this.finish(true));
    socket.once('close', () => this.finish(true));
  }

  /** Data from the other side; more than the window allows ends the stream. */
  receive(data: Buffer): void {
    if (this.done || data.length === 0) return;
    this.held += data.length;
    if (this.held > NET_FLOW_WINDOW_BYTES + NET_CHUNK_BYTES) {
      this.finish(true);
      return;
    }
    this.socket.write(data, () => {
      if (this.done) return;
      this.toAck += data.length;
      if (this.toAck < ACK_BATCH_BYTES && this.held > this.toAck) return;
      // Everything received has been written, or a batch is due: say so.
      this.held -= this.toAck;
      this.peer.ack(this.toAck);
      this.toAck = 0;
    });
  }

  /** The other side consumed `bytes` of what this side sent. */
  ack(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.unacked <= NET_FLOW_WINDOW_BYTES / 2) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** The other side is done: the socket ends once what it was sent is written. */
  end(): void {
    if (this.done) return;
    this.finish(false);
    this.socket.end(() => {
      const linger = setTimeout(() => this.socket.destroy(), END_LINGER_MS);
      linger.unref();
      this.socket.once('close', () => clearTimeout(linger));
    });
  }

  /** Ends the stream at once, telling the other side. */
  destroy(): void {
    this.finish(true);
  }

  private read(chunk: Buffer): void {
    if (this.done) return;
    if (!this.allow(chunk.length)) {
      this.finish(true);
      return;
    }
    for (let at = 0; at < chunk.length; at += NET_CHUNK_BYTES) {
      this.peer.data(chunk.subarray(at, at + NET_CHUNK_BYTES));
    }
    this.unacked += chunk.length;
    if (!this.paused && this.unacked >= NET_FLOW_WINDOW_BYTES) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** `tell`: this side ended it, so the other side must hear. */
  private finish(tell: boolean): void {
    if (this.done) return;
    this.done = true;
    if (tell) {
      this.peer.close();
      this.socket.destroy();
    }
    this.onDone();
  }
}
