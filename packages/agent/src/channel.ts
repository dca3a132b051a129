import type { Readable, Writable } from 'node:stream';

import {
  encodeFrame,
  FrameDecoder,
  FrameTooLargeError,
  MAX_FRAME_BODY_BYTES,
  MAX_FRAME_HEADER_BYTES,
  type AgentEvent,
  type AgentReplyHeader,
  type Frame,
} from '@workcell/protocol/agent';

export interface ChannelHandlers {
  frame(frame: Frame): void;
  /** The stream cannot be trusted any more (an impossible frame length): stop. */
  fatal(error: Error): void;
  /** The server went away. */
  end(): void;
}

/** The agent's end of the framed channel. */
export class Channel {
  private readonly decoder = new FrameDecoder();

  constructor(
    input: Readable,
    private readonly output: Writable,
    handlers: ChannelHandlers,
  ) {
    input.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.decoder.push(chunk);
      } catch (error) {
        handlers.fatal(error as Error);
        return;
      }
      for (const frame of frames) handlers.frame(frame);
    });
    input.on('end', () => handlers.end());
    input.on('error', () => handlers.end());
    output.on('error', () => handlers.end());
  }

  /**
   * Sends a frame. Throws FrameTooLargeError instead of sending one the server would have
   * to drop the whole stream for.
   */
  send(header: AgentReplyHeader | AgentEvent, body?: Uint8Array): void {
    const frame = encodeFrame(header, body);
    const headerLength = frame.readUInt32BE(0);
    if (headerLength > MAX_FRAME_HEADER_BYTES || (body?.length ?? 0) > MAX_FRAME_BODY_BYTES) {
      throw new FrameTooLargeError(
        `a ${headerLength}-byte header or its body exceeds the frame limits`,
      );
    }
    this.output.write(frame);
  }

  /** Flushes what was sent and ends the output. */
  close(): Promise<void> {
    return new Promise((resolve) => this.output.end(resolve));
  }
}
