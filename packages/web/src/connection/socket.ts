/**
 * The tab's one WebSocket to `/ws`, kept open for as long as the page lives: after a
 * network drop or a server restart it reconnects by itself with exponential backoff, and
 * tells its subscribers each time it is connected again so they can re-attach terminals
 * and re-sync files.
 */
import { SIGNED_OUT_CLOSE_CODE, type ClientMessage, type ServerMessage } from '@workcell/protocol';

import { sessionEnded } from '../api/client';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface SocketOptions {
  url?: string;
  createSocket?: (url: string) => WebSocket;
  /** Backoff after the n-th failed attempt (0-based), in ms. */
  backoff?: (attempt: number) => number;
  /** A ping goes out this often; nothing heard within the same time means the link is dead. */
  heartbeatMs?: number;
  /** Where `online`/`offline` events come from (the window in a browser). */
  events?: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  isOnline?: () => boolean;
  /** The server closed the socket because the session ended (sign-out, disabled account). */
  onSignedOut?: () => void;
}

/** `WebSocket.OPEN`, spelled out so a fake socket class need not define the constants. */
const OPEN = 1;
const CLOSING = 2;

const defaultBackoff = (attempt: number) =>
  Math.min(10_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);

export class WorkcellSocket {
  private socket: WebSocket | undefined;
  private stateValue: ConnectionState = 'connecting';
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  /** Whether anything arrived since the last ping went out. */
  private heardSincePing = true;
  private disposed = false;
  /** When the next reconnect attempt is due (for "reconnecting in 4 s"); unset while one runs. */
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
      events: options.events ?? window,
      isOnline: options.isOnline ?? (() => navigator.onLine),
      onSignedOut: options.onSignedOut ?? sessionEnded,
    };
    this.options.events.addEventListener('online', this.handleOnline);
    this.options.events.addEventListener('offline', this.handleOffline);
    this.connect();
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Sends now, or returns false when disconnected (callers re-send after `onOpen`). */
  send(message: ClientMessage): boolean {
    if (this.stateValue !== 'connected' || this.socket?.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  onMessage(listener: (message: ServerMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => void this.messageListeners.delete(listener);
  }

  /** Called on every (re)connection, and right away if already connected. */
  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    if (this.stateValue === 'connected') listener();
    return () => void this.openListeners.delete(listener);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => void this.stateListeners.delete(listener);
  }

  /** Connects at once, skipping the backoff wait; does nothing while connected. */
  readonly retryNow = () => {
    if (this.disposed || this.stateValue === 'connected') return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.drop();
    this.connect();
  };

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeatTimer);
    this.options.events.removeEventListener('online', this.handleOnline);
    this.options.events.removeEventListener('offline', this.handleOffline);
    this.drop();
    this.messageListeners.clear();
    this.openListeners.clear();
    this.stateListeners.clear();
  }

  private connect(): void {
    this.nextAttemptAt = undefined;
    if (this.stateValue !== 'connecting') this.setState('reconnecting');
    const socket = this.options.createSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.setState('connected');
      this.startHeartbeat();
      for (const listener of [...this.openListeners]) listener();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket || typeof event.data !== 'string') return;
      this.heardSincePing = true;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      for (const listener of [...this.messageListeners]) listener(message);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      if (event.code === SIGNED_OUT_CLOSE_CODE) {
        // Reconnecting would be refused: the page goes to sign-in instead.
        this.dispose();
        this.options.onSignedOut();
        return;
      }
      this.lost();
    };
  }

  /** The current socket is gone (closed, or declared dead): wait, then try again. */
  private lost(): void {
    this.drop();
    if (this.disposed) return;
    if (!this.options.isOnline()) {
      this.setState('offline');
      return;
    }
    this.setState('reconnecting');
    const delay = this.options.backoff(this.attempt++);
    this.nextAttemptAt = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Forgets the current socket; its late events are ignored, so it cannot race the next one. */
  private drop(): void {
    clearInterval(this.heartbeatTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    if (socket.readyState < CLOSING) socket.close();
  }

  private startHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heardSincePing = true;
    this.heartbeatTimer = setInterval(() => {
      // A dropped link can look open for minutes, and its close handshake may never end:
      // silence for a whole interval after a ping counts as closed now.
      if (!this.heardSincePing) {
        this.lost();
        return;
      }
      this.heardSincePing = false;
      this.send({ type: 'ping' });
    }, this.options.heartbeatMs);
  }

  private readonly handleOnline = () => {
    if (this.stateValue === 'offline') this.retryNow();
  };

  private readonly handleOffline = () => {
    if (this.disposed) return;
    clearTimeout(this.retryTimer);
    this.nextAttemptAt = undefined;
    this.drop();
    this.setState('offline');
  };

  private setState(state: ConnectionState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }
}

function defaultUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
