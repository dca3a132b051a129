/**
 * The tab's one WebSocket to `/ws`, kept open for as long as the page lives: after a
 * network drop or a server restart it reconnects by itself with exponential backoff, and
 * tells its subscribers each time it is connected again so they can re-attach terminals
 * and re-sync files.
 */
import type { ClientMessage, ServerMessage } from '@workcell/protocol';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface SocketOptions {
  url?: string;
  createSocket?: (url: string) => WebSocket;
  /** Backoff after the n-th failed attempt (0-based), in ms. */
  backoff?: (attempt: number) => number;
  /** A ping goes out this often; no answer within the same time means the link is dead. */
  heartbeatMs?: number;
}

const defaultBackoff = (attempt: number) =>
  Math.min(10_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);

export class WorkcellSocket {
  private socket: WebSocket | undefined;
  private stateValue: ConnectionState = 'connecting';
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private awaitingPong = false;
  private disposed = false;
  /** When the next reconnect attempt is due (for "reconnecting in 4 s"). */
  nextAttemptAt: number | undefined;
  private readonly messageListeners = new Set<(message: ServerMessage) => void>();
  private readonly openListeners = new Set<() => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly options: Required<SocketOptions>;

  constructor(options: SocketOptions = {}) {
    this.options = {
      url: options.url ?? defaultUrl(),
      createSocket: options.createSocket ?? ((url) => new WebSocket(url)),
      backoff: options.backoff ?? defaultBackoff,
      heartbeatMs: options.heartbeatMs ?? 15_000,
    };
    window.addEventListener('online', this.retryNow);
    window.addEventListener('offline', this.markOffline);
    this.connect();
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Sends now, or returns false when disconnected (callers re-send after `onOpen`). */
  send(message: ClientMessage): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  onMessage(listener: (message: ServerMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Called on every (re)connection, and right away if already connected. */
  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    if (this.stateValue === 'connected') listener();
    return () => this.openListeners.delete(listener);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Drops the current connection (if any) and connects again at once. */
  readonly retryNow = () => {
    if (this.disposed) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close();
    else this.connect();
  };

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeatTimer);
    window.removeEventListener('online', this.retryNow);
    window.removeEventListener('offline', this.markOffline);
    this.socket?.close();
    this.messageListeners.clear();
    this.openListeners.clear();
    this.stateListeners.clear();
  }

  private connect(): void {
    this.nextAttemptAt = undefined;
    const socket = this.options.createSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState('connected');
      this.startHeartbeat();
      for (const listener of this.openListeners) listener();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      if (message.type === 'pong') this.awaitingPong = false;
      for (const listener of this.messageListeners) listener(message);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      clearInterval(this.heartbeatTimer);
      this.socket = undefined;
      if (this.disposed) return;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (!navigator.onLine) {
      this.setState('offline');
      return;
    }
    this.setState('reconnecting');
    const delay = this.options.backoff(this.attempt++);
    this.nextAttemptAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private startHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.awaitingPong = false;
    this.heartbeatTimer = setInterval(() => {
      // A dropped link can look open for minutes; an unanswered ping ends it.
      if (this.awaitingPong) {
        this.socket?.close();
        return;
      }
      this.awaitingPong = this.send({ type: 'ping' });
    }, this.options.heartbeatMs);
  }

  private readonly markOffline = () => {
    clearTimeout(this.retryTimer);
    this.setState('offline');
    this.socket?.close();
  };

  private setState(state: ConnectionState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

function defaultUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
