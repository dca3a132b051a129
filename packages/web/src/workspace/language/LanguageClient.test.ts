import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  describeLanguageState,
  LanguageClient,
  type LanguageState,
  type SocketLike,
} from './LanguageClient';

type Listener = (event: { code: number; data: unknown }) => void;

class FakeSocket implements SocketLike {
  readonly listeners = new Map<string, Listener[]>();
  closedWith: number | undefined;
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(code?: number): void {
    this.closedWith = code;
  }
  fire(type: 'open' | 'close' | 'message', event: Partial<{ code: number; data: unknown }> = {}) {
    for (const listener of this.listeners.get(type) ?? [])
      listener({ code: event.code ?? 1006, data: event.data });
  }
  status(state: string, message?: string) {
    this.fire('message', {
      data: JSON.stringify({
        jsonrpc: '2.0',
        method: '$/workcell/status',
        params: { state, message },
      }),
    });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const attached: { socket: FakeSocket; dispose: ReturnType<typeof vi.fn> }[] = [];
  const states: LanguageState[] = [];
  const client = new LanguageClient<FakeSocket>({
    url: 'ws://host/api/workspace/u1/lsp',
    openSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    attach: (socket) => {
      const entry = { socket, dispose: vi.fn() };
      attached.push(entry);
      return entry;
    },
    delayMs: (attempt) => 1000 * 2 ** attempt,
  });
  client.onState((state) => states.push(state));
  const text = () => describeLanguageState(client.state);
  return { client, sockets, attached, states, text };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('LanguageClient', () => {
  it('connects only when started, once, and attaches the editor client when open', () => {
    const { client, sockets, attached, text } = setup();
    expect(sockets).toHaveLength(0);
    expect(text()).toBe('');
    client.start();
    client.start();
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.url).toBe('ws://host/api/workspace/u1/lsp');
    expect(text()).toBe('Python: starting…');
    expect(attached).toHaveLength(0);
    sockets[0]!.fire('open');
    expect(attached).toHaveLength(1);
  });

  it('follows the server status notifications', () => {
    const { client, sockets, text } = setup();
    client.start();
    sockets[0]!.fire('open');
    sockets[0]!.status('starting');
    expect(text()).toBe('Python: starting…');
    sockets[0]!.status('ready');
    expect(text()).toBe('✓ Pyright');
    sockets[0]!.status('restarting');
    expect(text()).toBe('Python: restarting…');
    sockets[0]!.status('failed', 'pyright exited with code 1');
    expect(text()).toBe('Python: failed: pyright exited with code 1');
    // Other LSP traffic and junk leave the state alone.
    sockets[0]!.fire('message', { data: '{"jsonrpc":"2.0","id":1,"result":{}}' });
    sockets[0]!.fire('message', { data: '$/workcell/status but not JSON' });
    expect(text()).toBe('Python: failed: pyright exited with code 1');
  });

  it('reconnects with a growing backoff and detaches the dead connection', () => {
    const { client, sockets, attached, text } = setup();
    client.start();
    sockets[0]!.fire('open');
    sockets[0]!.status('ready');
    sockets[0]!.fire('close', { code: 1006 });
    expect(attached[0]!.dispose).toHaveBeenCalledOnce();
    expect(text()).toBe('Python: restarting…');
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    // Refused again: the next wait is twice as long.
    sockets[1]!.fire('close', { code: 1006 });
    vi.advanceTimersByTime(1999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    sockets[2]!.fire('open');
    sockets[2]!.status('ready');
    expect(text()).toBe('✓ Pyright');
    expect(attached).toHaveLength(2);
  });

  it('starts the backoff over after a connection that stayed up', () => {
    const { client, sockets } = setup();
    client.start();
    sockets[0]!.fire('close');
    vi.advanceTimersByTime(1000);
    sockets[1]!.fire('close');
    vi.advanceTimersByTime(2000);
    sockets[2]!.fire('open');
    vi.advanceTimersByTime(60_000);
    sockets[2]!.fire('close');
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(4);
  });

  it('does not fight another tab: 4000 stops reconnecting until the user retries', () => {
    const { client, sockets, text } = setup();
    client.start();
    sockets[0]!.fire('open');
    sockets[0]!.fire('close', { code: 4000 });
    expect(text()).toBe('Python: language server in use in another tab');
    vi.advanceTimersByTime(120_000);
    expect(sockets).toHaveLength(1);
    client.retry();
    expect(sockets).toHaveLength(2);
    expect(text()).toBe('Python: starting…');
  });

  it('does not restart a stopped cell: 4001 waits for Retry', () => {
    const { client, sockets, text } = setup();
    client.start();
    sockets[0]!.fire('open');
    sockets[0]!.fire('close', { code: 4001 });
    expect(text()).toBe('Python: failed: the workspace cell stopped');
    vi.advanceTimersByTime(120_000);
    expect(sockets).toHaveLength(1);
    client.retry();
    expect(sockets).toHaveLength(2);
  });

  it('keeps a failure on screen while it retries', () => {
    const { client, sockets, text } = setup();
    client.start();
    sockets[0]!.fire('open');
    sockets[0]!.status('failed', 'out of memory');
    sockets[0]!.fire('close', { code: 1011 });
    expect(text()).toBe('Python: failed: out of memory');
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(2);
  });

  it('closes everything when the workspace is left, and never reconnects', () => {
    const { client, sockets, attached, states } = setup();
    client.start();
    sockets[0]!.fire('open');
    client.dispose();
    expect(sockets[0]!.closedWith).toBe(1000);
    expect(attached[0]!.dispose).toHaveBeenCalledOnce();
    const seen = states.length;
    sockets[0]!.fire('close', { code: 1000 });
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(states).toHaveLength(seen);
    client.start();
    expect(sockets).toHaveLength(1);
  });

  it('cancels a pending reconnection when left', () => {
    const { client, sockets } = setup();
    client.start();
    sockets[0]!.fire('close');
    client.dispose();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });
});
