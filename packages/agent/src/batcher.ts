/**
 * Coalesces a stream's output into frames without adding latency: output goes out as it
 * is read until a read is large (the program writes faster than it is read: a flood),
 * and only then is what follows within `delayMs` batched (up to `maxBytes` a frame), so a
 * flood makes hundreds of frames a second rather than one per read. Small reads never
 * wait, however close together: a keystroke's echo, even with keys typed back to back.
 */
export interface OutputBatcherOptions {
  maxBytes: number;
  delayMs: number;
}

/** A frame sent at once of at least this size opens a batching window. */
const FLOOD_READ_BYTES = 1024;

export class OutputBatcher {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes handed to `send` so far: where the next frame starts in the stream. */
  sentBytes = 0;
  /** Set while a batching window is open (a large frame went out less than `delayMs` ago). */
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (data: Buffer, offset: number) => void,
    private readonly options: OutputBatcherOptions,
  ) {}

  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.timer === undefined) {
      const bytes = this.pendingBytes;
      this.flush();
      if (bytes >= FLOOD_READ_BYTES) this.openWindow();
    } else if (this.pendingBytes >= this.options.maxBytes) this.flush();
  }

  /** Sends whatever is pending now. */
  flush(): void {
    if (this.pendingBytes === 0) return;
    const data =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const offset = this.sentBytes;
    this.sentBytes += data.length;
    this.send(data, offset);
  }

  /** Drops the window; pending output is kept for a last `flush()`. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private openWindow(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Output kept coming: send it and keep batching; else the next chunk goes at once.
      if (this.pendingBytes > 0) {
        this.flush();
        this.openWindow();
      }
    }, this.options.delayMs);
  }
}
