/**
 * What is typed into a terminal, written straight to its PTY's master. node-pty's own
 * write goes through libuv's thread pool (fs.write) for every keystroke, which added about
 * 0.04 ms to an echo at the median and 0.4 ms at p99 (docs/performance.md). The master is
 * non-blocking, so a write here takes what the PTY has room for and never waits; the rest
 * waits, in order, for the program to read.
 */
import { writeSync } from 'node:fs';

import type { IPty } from 'node-pty';

/** How soon a full PTY is tried again: a paste into a program that reads slowly. */
const RETRY_MS = 2;

export class PtyInput {
  private readonly pending: Buffer[] = [];
  private retry: NodeJS.Timeout | undefined;
  private disposed = false;

  private readonly fd: number;

  constructor(pty: IPty) {
    // node-pty's UnixTerminal (the agent runs on Linux) exposes its master; IPty does not say so.
    this.fd = (pty as IPty & { readonly fd: number }).fd;
  }

  write(data: Buffer): void {
    if (this.disposed || data.length === 0) return;
    this.pending.push(data);
    if (this.pending.length === 1) this.flush();
  }

  dispose(): void {
    this.disposed = true;
    this.pending.length = 0;
    clearTimeout(this.retry);
  }

  private flush(): void {
    this.retry = undefined;
    while (this.pending.length > 0) {
      const chunk = this.pending[0]!;
      let written: number;
      try {
        written = writeSync(this.fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.retry = setTimeout(() => this.flush(), RETRY_MS);
          return;
        }
        // EIO: the terminal's processes are gone, and its exit is reported as they go.
        this.pending.length = 0;
        return;
      }
      if (written < chunk.length) this.pending[0] = chunk.subarray(written);
      else this.pending.shift();
    }
  }
}
