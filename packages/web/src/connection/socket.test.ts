import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { SIGNED_OUT_CLOSE_CODE } from '@workcell/protocol';

import { type ConnectionState, WorkcellSocket } from './socket';

/** Stands in for the browser's WebSocket: the test opens, feeds and closes it by hand. */
class FakeWebSocket {
  readyState = 0;
  readonly sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  closeCalls = 0;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.closeCalls++;
    this.readyState = 2;
  }
  /** The server accepted the connection. */
  accept(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  /** The connection ended (server restart, refused upgrade, close handshake done). */
  end(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

class FakeWindow extends EventTarget {}

let sockets: FakeWebSocket[];
let events: FakeWindow;
let online: boolean;
let socket: WorkcellSocket;

function create(heartbeatMs = 1000, onSignedOut = () => undefined): WorkcellSocket {
  socket = new WorkcellSocket({
    onSignedOut,
    url: 'ws://test/ws',
    createSocket: (url) => {
      const fake = new FakeWebSocket(url);
      sockets.push(fake);
      return fake as unknown as WebSocket;
    },
    backoff: (attempt) => 100 * 2 ** attempt,
    heartbeatMs,
    events,
    isOnline: () => online,
  });
  return socket;
}

const last = () => sockets.at(-1)!;

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  events = new FakeWindow();
  online = true;
});

afterEach(() => {
  socket.dispose();
  vi.useRealTimers();
});

describe('WorkcellSocket', () => {
  it('connects at once and reports connecting, then connected', () => {
    const states: ConnectionState[] = [];
    create().onState((state) => states.push(state));
    expect(sockets).toHaveLength(1);
    expect(socket.state).toBe('connecting');
    last().accept();
    expect(states).toEqual(['connected']);
  });

  it('sends only while connected, and tells the caller when it could not', () => {
    create();
    expect(socket.send({ type: 'ping', id: 1 })).toBe(false);
    last().accept();
    expect(socket.send({ type: 'ping', id: 2 })).toBe(true);
    expect(last().sent).toEqual([{ type: 'ping', id: 2 }]);
  });

  it('does not reconnect once the server closed it as signed out, and says so', () => {
    const signedOut = vi.fn();
    create(1000, signedOut);
    last().accept();
    last().end(SIGNED_OUT_CLOSE_CODE);
    expect(signedOut).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('reconnects with growing backoff and fires onOpen on every connection', () => {
    create();
    const opened = vi.fn();
    socket.onOpen(opened);
    last().accept();
    expect(opened).toHaveBeenCalledTimes(1);

    last().end();
    expect(socket.state).toBe('reconnecting');
    expect(socket.nextAttemptAt).toBe(Date.now() + 100);
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);

    last().end(); // refused: the server is still down
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);

    last().accept();
    expect(socket.state).toBe('connected');
    expect(opened).toHaveBeenCalledTimes(2);

    // A successful connection resets the backoff.
    last().end();
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(4);
  });

  it('calls an onOpen listener at once when already connected', () => {
    create();
    last().accept();
    const opened = vi.fn();
    socket.onOpen(opened);
    expect(opened).toHaveBeenCalledTimes(1);
  });

  it('delivers parsed messages and ignores junk', () => {
    create();
    const received = vi.fn();
    socket.onMessage(received);
    last().accept();
    last().onmessage?.({ data: 'not json' });
    last().onmessage?.({ data: new ArrayBuffer(2) });
    last().receive({ type: 'pong', id: 3 });
    expect(received).toHaveBeenCalledExactlyOnceWith({ type: 'pong', id: 3 });
  });

  it('retryNow skips the wait', () => {
    create();
    last().end();
    expect(sockets).toHaveLength(1);
    socket.retryNow();
    expect(sockets).toHaveLength(2);
    expect(socket.nextAttemptAt).toBeUndefined();
    // The pending backoff timer no longer fires a second attempt.
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(2);
  });

  it('retryNow leaves a live connection alone', () => {
    create();
    last().accept();
    socket.retryNow();
    expect(sockets).toHaveLength(1);
    expect(last().closeCalls).toBe(0);
  });

  it('pings and declares a silent link dead, then reconnects', () => {
    create(1000);
    const states: ConnectionState[] = [];
    socket.onState((state) => states.push(state));
    last().accept();
    vi.advanceTimersByTime(1000);
    expect(last().sent).toEqual([{ type: 'ping' }]);
    last().receive({ type: 'pong' });
    vi.advanceTimersByTime(1000);
    expect(socket.state).toBe('connected');
    expect(last().sent).toHaveLength(2);

    // No answer to the second ping: one interval later the link counts as dead.
    vi.advanceTimersByTime(1000);
    expect(socket.state).toBe('reconnecting');
    expect(sockets[0]!.closeCalls).toBe(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    expect(states).toEqual(['connected', 'reconnecting']);
  });

  it('counts any message as a sign of life, not only pong', () => {
    create(1000);
    last().accept();
    vi.advanceTimersByTime(1000);
    last().receive({ type: 'terminal.output', terminalId: 't', data: 'x' });
    vi.advanceTimersByTime(1000);
    expect(socket.state).toBe('connected');
  });

  it('ignores a late close of a socket it already gave up on', () => {
    create(1000);
    last().accept();
    vi.advanceTimersByTime(2000); // declared dead
    vi.advanceTimersByTime(100);
    const replacement = last();
    replacement.accept();
    sockets[0]!.end();
    expect(socket.state).toBe('connected');
    expect(sockets).toHaveLength(2);
    expect(replacement.closeCalls).toBe(0);
  });

  it('goes offline without retrying, and reconnects when back online', () => {
    create();
    last().accept();
    online = false;
    events.dispatchEvent(new Event('offline'));
    expect(socket.state).toBe('offline');
    expect(sockets[0]!.closeCalls).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);

    online = true;
    events.dispatchEvent(new Event('online'));
    expect(sockets).toHaveLength(2);
    expect(socket.state).toBe('reconnecting');
    last().accept();
    expect(socket.state).toBe('connected');
  });

  it('stays offline when the connection drops while the browser is offline', () => {
    create();
    last().accept();
    online = false;
    last().end();
    expect(socket.state).toBe('offline');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('an online event while connected does not drop the connection', () => {
    create();
    last().accept();
    events.dispatchEvent(new Event('online'));
    expect(sockets).toHaveLength(1);
    expect(last().closeCalls).toBe(0);
  });

  it('dispose closes the socket, stops timers and listeners, and never reconnects', () => {
    create(1000);
    const opened = vi.fn();
    const states = vi.fn();
    socket.onOpen(opened);
    socket.onState(states);
    last().accept();
    socket.dispose();
    expect(last().closeCalls).toBe(1);
    last().end();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(last().sent).toEqual([]);
    events.dispatchEvent(new Event('online'));
    expect(sockets).toHaveLength(1);
    expect(states).toHaveBeenCalledTimes(1);
  });

  it('an unsubscribed listener hears nothing more', () => {
    create();
    const received = vi.fn();
    const off = socket.onMessage(received);
    last().accept();
    off();
    last().receive({ type: 'pong' });
    expect(received).not.toHaveBeenCalled();
  });
});
