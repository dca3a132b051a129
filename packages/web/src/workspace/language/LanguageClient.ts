/**
 * Owns the workspace's connection to its Python language server: one WebSocket to
 * `/api/workspace/<uuid>/lsp`, opened only once a Python file is open, reopened with
 * backoff when it drops, closed when the workspace is left. The editor features themselves
 * (Monaco's LSP client) are attached to each open socket through `attach`, so this owner
 * knows nothing of Monaco and can be tested with a fake socket.
 */
import { SIGNED_OUT_CLOSE_CODE } from '@workcell/protocol';

import { sessionEnded } from '../../api/client';

export type LanguageState =
  | { kind: 'idle' }
  | { kind: 'starting'; message?: string }
  | { kind: 'ready' }
  | { kind: 'restarting'; message?: string }
  | { kind: 'failed'; message: string }
  /** Closed with 4000: another tab of this workspace holds the language server. */
  | { kind: 'in-use' };

/** The parts of a browser WebSocket this owner uses. */
export interface SocketLike {
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'close', listener: (event: { code: number }) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(code?: number, reason?: string): void;
}

export interface Disposable {
  dispose(): void;
}

export interface LanguageClientOptions<S extends SocketLike> {
  url: string;
  openSocket: (url: string) => S;
  /** Attaches the editor's LSP client to an open socket; disposed when it closes. */
  attach: (socket: S) => Disposable;
  /** Backoff before reconnection attempt n (0-based). */
  delayMs?: (attempt: number) => number;
}

/** The server's close code for "another tab of this workspace took the language server". */
export const IN_USE_CLOSE_CODE = 4000;
/** The server's close code for "the workspace's cell stopped". */
export const CELL_STOPPED_CLOSE_CODE = 4001;
const STATUS_METHOD = '$/workcell/status';
/** A connection that lasted this long counts as healthy: the backoff starts over. */
const HEALTHY_MS = 10_000;

export function defaultDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** attempt);
}

export class LanguageClient<S extends SocketLike = SocketLike> {
  private current: LanguageState = { kind: 'idle' };
  private readonly listeners = new Set<(state: LanguageState) => void>();
  private socket: S | undefined;
  private attached: Disposable | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private openedAt = 0;
  private disposed = false;

  constructor(private readonly options: LanguageClientOptions<S>) {}

  get state(): LanguageState {
    return this.current;
  }

  /** Calls `listener` now and on every change; returns the unsubscribe. */
  onState(listener: (state: LanguageState) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  /** Connects if not yet connected; further calls do nothing. */
  start(): void {
    if (this.disposed || this.current.kind !== 'idle') return;
    this.connect();
  }

  /** Connects now, cancelling a pending retry; after "in use", this takes the server back. */
  retry(): void {
    if (this.disposed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attempt = 0;
    this.closeSocket();
    this.connect();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.retryTimer);
    this.closeSocket();
    this.listeners.clear();
  }

  private connect(): void {
    if (this.current.kind === 'idle' || this.current.kind === 'in-use')
      this.setState({ kind: 'starting' });
    const socket = this.options.openSocket(this.options.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      this.openedAt = Date.now();
      this.attached = this.options.attach(socket);
    });
    socket.addEventListener('message', (event) => {
      if (this.socket === socket) this.received(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket === socket) this.closed(event.code);
    });
  }

  private received(data: unknown): void {
    if (typeof data !== 'string' || !data.includes(STATUS_METHOD)) return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    const status = statusOf(message);
    if (!status) return;
    switch (status.state) {
      case 'ready':
        this.setState({ kind: 'ready' });
        break;
      case 'starting':
        this.setState({ kind: 'starting', message: status.message });
        break;
      case 'restarting':
        this.setState({ kind: 'restarting', message: status.message });
        break;
      case 'failed':
        this.setState({ kind: 'failed', message: status.message ?? 'the language server stopped' });
        break;
    }
  }

  private closed(code: number): void {
    this.detach();
    this.socket = undefined;
    if (this.disposed) return;
    if (code === IN_USE_CLOSE_CODE) {
      // Two tabs taking the server from each other would both lose; the user decides.
      this.setState({ kind: 'in-use' });
      return;
    }
    if (code === SIGNED_OUT_CLOSE_CODE) {
      this.setState({ kind: 'failed', message: 'signed out' });
      sessionEnded();
      return;
    }
    if (code === CELL_STOPPED_CLOSE_CODE) {
      // Reconnecting would start the cell again: after "Stop" or the idle reaper, the
      // user decides (Retry).
      this.setState({ kind: 'failed', message: 'the workspace cell stopped' });
      return;
    }
    if (this.openedAt && Date.now() - this.openedAt >= HEALTHY_MS) this.attempt = 0;
    this.openedAt = 0;
    const delay = (this.options.delayMs ?? defaultDelayMs)(this.attempt);
    this.attempt += 1;
    // A failure the server explained stays on screen while we try again.
    if (this.current.kind !== 'failed') this.setState({ kind: 'restarting' });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  private closeSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.detach();
    socket?.close(1000, 'closed by the page');
  }

  private detach(): void {
    const attached = this.attached;
    this.attached = undefined;
    attached?.dispose();
  }

  private setState(state: LanguageState): void {
    this.current = state;
    for (const listener of [...this.listeners]) listener(state);
  }
}

interface Status {
  state: 'starting' | 'ready' | 'restarting' | 'failed';
  message?: string;
}

function statusOf(message: unknown): Status | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, params } = message as { method?: unknown; params?: unknown };
  if (method !== STATUS_METHOD || typeof params !== 'object' || params === null) return undefined;
  const { state, message: text } = params as { state?: unknown; message?: unknown };
  if (state !== 'starting' && state !== 'ready' && state !== 'restarting' && state !== 'failed')
    return undefined;
  return { state, message: typeof text === 'string' ? text : undefined };
}

/** What the status bar says about the language server. */
export function describeLanguageState(state: LanguageState): string {
  switch (state.kind) {
    case 'idle':
      return '';
    case 'starting':
      return 'Python: starting…';
    case 'ready':
      return '✓ Pyright';
    case 'restarting':
      return 'Python: restarting…';
    case 'failed':
      return `Python: failed: ${state.message}`;
    case 'in-use':
      return 'Python: language server in use in another tab';
  }
}
