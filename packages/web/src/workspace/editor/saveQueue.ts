/**
 * Saving one file: at most one request in flight, the newest content always saved last,
 * each save based on the version the previous one produced. A network failure retries by
 * itself with backoff; a refusal (too large, workspace full) waits for the next edit or an
 * explicit save; a version conflict stops until the user decides (`resolveConflict`).
 */
import type { FileContent } from '@workcell/protocol';

import { ApiError } from '../../api/client';

export type QueueState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'retrying'; error: string; attempt: number }
  | { kind: 'failed'; error: string }
  | { kind: 'conflict'; current: FileContent | null };

export interface SaveQueueOptions {
  /** The buffer's content now: read when a request goes out, so later edits ride along. */
  getContent: () => string;
  /** POSTs the content; resolves with the version the server stored. */
  write: (content: string, baseVersion: number) => Promise<{ version: number }>;
  baseVersion: number;
  onState: (state: QueueState) => void;
  /** The server now holds `content` at `version`. */
  onSaved: (version: number, content: string) => void;
  /** Delay before the n-th retry (1-based), in ms. */
  backoff?: (attempt: number) => number;
}

const defaultBackoff = (attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1));

/** Failures worth retrying unchanged: the request may not have reached a healthy server. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return (
    error.code === 'NETWORK' ||
    error.status >= 500 ||
    error.status === 429 ||
    error.code === 'TIMEOUT'
  );
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class SaveQueue {
  private stateValue: QueueState = { kind: 'idle' };
  private baseVersionValue: number;
  /** Content exists that no request has carried yet. */
  private pending = false;
  private inFlight = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: Waiter[] = [];
  private disposed = false;
  private readonly options: Required<SaveQueueOptions>;

  constructor(options: SaveQueueOptions) {
    this.options = { backoff: defaultBackoff, ...options };
    this.baseVersionValue = options.baseVersion;
  }

  get state(): QueueState {
    return this.stateValue;
  }

  get baseVersion(): number {
    return this.baseVersionValue;
  }

  /** A save request is out, or one is due (retry timer). */
  get busy(): boolean {
    return this.inFlight || this.stateValue.kind === 'retrying';
  }

  /** The buffer is now known to be `version` on the server (reload, take theirs, deleted: 0). */
  setBaseVersion(version: number): void {
    this.baseVersionValue = version;
  }

  /** Saves the current content as soon as the previous request (if any) is done. */
  save(): void {
    if (this.disposed) return;
    this.pending = true;
    if (this.stateValue.kind === 'conflict') return;
    if (this.stateValue.kind === 'retrying') {
      // An explicit save retries at once rather than waiting out the backoff.
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    if (!this.inFlight) void this.send(this.stateValue.kind === 'retrying' ? this.attempt() : 0);
  }

  /**
   * Saves now what is unsaved; resolves once everything typed so far is saved, rejects if
   * that fails, conflicts or has to wait for a retry.
   */
  flush(): Promise<void> {
    if (this.pending && !this.inFlight && this.stateValue.kind !== 'conflict') this.save();
    if (!this.pending && !this.inFlight) {
      const state = this.stateValue;
      if (state.kind === 'conflict')
        return Promise.reject(new Error('The file changed on the server; resolve the conflict.'));
      if (state.kind === 'failed' || state.kind === 'retrying')
        return Promise.reject(new Error(state.error));
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * The user chose after a conflict: `baseVersion` is the server's version, and with
   * `saveMine` the buffer is written over it.
   */
  resolveConflict(baseVersion: number, saveMine: boolean): void {
    this.baseVersionValue = baseVersion;
    this.setState({ kind: 'idle' });
    if (saveMine) this.save();
    else {
      this.pending = false;
      this.settleWaiters();
    }
  }

  /** Forgets unsent content (the buffer was replaced with the server's). */
  discardPending(): void {
    this.pending = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (!this.inFlight) {
      this.setState({ kind: 'idle' });
      this.settleWaiters();
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new Error('The file was closed.'));
  }

  private attempt(): number {
    return this.stateValue.kind === 'retrying' ? this.stateValue.attempt : 0;
  }

  private async send(attempt: number): Promise<void> {
    this.pending = false;
    this.inFlight = true;
    if (attempt === 0) this.setState({ kind: 'saving' });
    const content = this.options.getContent();
    try {
      const written = await this.options.write(content, this.baseVersionValue);
      if (this.disposed) return;
      this.inFlight = false;
      this.baseVersionValue = written.version;
      this.options.onSaved(written.version, content);
      if (this.pending) {
        void this.send(0);
        return;
      }
      this.setState({ kind: 'idle' });
      this.settleWaiters();
    } catch (error) {
      if (this.disposed) return;
      this.inFlight = false;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof ApiError && error.code === 'VERSION_CONFLICT') {
        this.pending = true;
        this.setState({ kind: 'conflict', current: error.current ?? null });
        this.settleWaiters();
      } else if (isTransient(error)) {
        this.pending = true;
        const next = attempt + 1;
        this.setState({ kind: 'retrying', error: message, attempt: next });
        this.settleWaiters();
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          if (!this.inFlight) void this.send(next);
        }, this.options.backoff(next));
      } else {
        // Not sent again by itself: the same content would be refused the same way.
        this.pending = false;
        this.setState({ kind: 'failed', error: message });
        this.settleWaiters();
      }
    }
  }

  private settleWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    const state = this.stateValue;
    for (const waiter of waiters) {
      if (state.kind === 'conflict')
        waiter.reject(new Error('The file changed on the server; resolve the conflict.'));
      else if (state.kind === 'failed' || state.kind === 'retrying')
        waiter.reject(new Error(state.error));
      else waiter.resolve();
    }
  }

  private setState(state: QueueState): void {
    this.stateValue = state;
    this.options.onState(state);
  }
}
