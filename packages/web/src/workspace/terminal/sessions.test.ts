import type { ClientMessage, ServerMessage } from '@workcell/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ConnectionState } from '../../connection/socket';
import { isRunning, type SessionSocket, type TerminalScreen } from './session';
import { TerminalSessions } from './sessions';
import type { StoredTabs, TerminalTabsMemory } from './storedTabs';

const WS = '6f1c1a8e-2b0e-4a53-9a7e-6c1d2f3a4b5c';

class FakeSocket implements SessionSocket {
  state: ConnectionState = 'connected';
  sent: ClientMessage[] = [];
  private messages = new Set<(message: ServerMessage) => void>();
  private opens = new Set<() => void>();
  private states = new Set<(state: ConnectionState) => void>();

  send(message: ClientMessage): boolean {
    if (this.state !== 'connected') return false;
    this.sent.push(message);
    return true;
  }
  onMessage(listener: (message: ServerMessage) => void) {
    this.messages.add(listener);
    return () => void this.messages.delete(listener);
  }
  onOpen(listener: () => void) {
    this.opens.add(listener);
    if (this.state === 'connected') listener();
    return () => void this.opens.delete(listener);
  }
  onState(listener: (state: ConnectionState) => void) {
    this.states.add(listener);
    return () => void this.states.delete(listener);
  }
  deliver(message: ServerMessage): void {
    for (const listener of this.messages) listener(message);
  }
  drop(): void {
    this.state = 'reconnecting';
    for (const listener of this.states) listener('reconnecting');
  }
  reconnect(): void {
    this.state = 'connected';
    for (const listener of this.states) listener('connected');
    for (const listener of this.opens) listener();
  }
  take(): ClientMessage[] {
    return this.sent.splice(0);
  }
}

/** Records what reaches the screen; `render()` finishes xterm's asynchronous parsing. */
class FakeScreen implements TerminalScreen {
  cols = 100;
  rows = 30;
  text = '';
  private pending: (() => void)[] = [];
  reset(): void {
    this.text = '';
  }
  write(data: string, rendered?: () => void): void {
    this.text += data;
    if (rendered) this.pending.push(rendered);
  }
  render(): void {
    for (const done of this.pending.splice(0)) done();
  }
}

/** Remembers the tabs as the workspace's state would, between two `create`s. */
class MemoryTabs implements TerminalTabsMemory {
  stored: StoredTabs | undefined;
  load() {
    return this.stored;
  }
  save(tabs: StoredTabs) {
    this.stored = structuredClone(tabs);
  }
}

let socket: FakeSocket;
let memory: MemoryTabs;
let ids: number;
let sessions: TerminalSessions;

function create(): TerminalSessions {
  sessions = new TerminalSessions({
    workspace: WS,
    socket,
    memory,
    newId: () => `t${++ids}`,
  });
  sessions.start();
  return sessions;
}

const tabs = () => sessions.getSnapshot().tabs;
const tab = (id: string) => tabs().find((t) => t.id === id)!;
const opened = (terminalId: string, replay = ''): ServerMessage => ({
  type: 'terminal.opened',
  workspace: WS,
  terminalId,
  replay,
  restored: false,
  cols: 100,
  rows: 30,
});

const exited = (terminalId: string): ServerMessage => ({
  type: 'terminal.exit',
  terminalId,
  code: 0,
  signal: null,
  durationMs: 1200,
});

/** Runs x.py in its tab, then `meanwhile`, then reloads: the tab is shown again. */
function runThenReload(meanwhile: (id: string) => void): { id: string; screen: FakeScreen } {
  create();
  sessions.runFile('x.py', { args: [], env: {} });
  const id = sessions.getSnapshot().activeId!;
  sessions.attachScreen(id, new FakeScreen());
  socket.deliver(opened(id));
  meanwhile(id);
  sessions.stop();
  create();
  const screen = new FakeScreen();
  sessions.attachScreen(id, screen);
  return { id, screen };
}

beforeEach(() => {
  vi.useFakeTimers();
  socket = new FakeSocket();
  memory = new MemoryTabs();
  ids = 0;
});

afterEach(() => {
  sessions.stop();
  vi.useRealTimers();
});

describe('TerminalSessions', () => {
  it('starts a first visit with one terminal, opened once its screen exists', () => {
    create();
    expect(tabs()).toEqual([{ id: 't1', name: 'Terminal 1', status: 'idle' }]);
    expect(sessions.getSnapshot().activeId).toBe('t1');
    expect(socket.take()).toEqual([]);

    sessions.attachScreen('t1', new FakeScreen());
    expect(socket.take()).toEqual([
      { type: 'terminal.open', workspace: WS, terminalId: 't1', cols: 100, rows: 30 },
    ]);
    expect(tab('t1').status).toBe('opening');
  });

  it('shows the replay on a reset screen, then the output', () => {
    create();
    const screen = new FakeScreen();
    screen.text = 'stale';
    sessions.attachScreen('t1', screen);
    socket.deliver(opened('t1', '$ ls\r\nmain.py\r\n$ '));
    expect(screen.text).toBe('$ ls\r\nmain.py\r\n$ ');
    expect(tab('t1').status).toBe('attached');
    socket.deliver({ type: 'terminal.output', terminalId: 't1', data: 'echo hi' });
    expect(screen.text).toBe('$ ls\r\nmain.py\r\n$ echo hi');
  });

  it('acks the characters once rendered, in batches', () => {
    create();
    const screen = new FakeScreen();
    sessions.attachScreen('t1', screen);
    socket.deliver(opened('t1', 'a replay is not acked'));
    socket.take();

    socket.deliver({ type: 'terminal.output', terminalId: 't1', data: 'héllo' });
    socket.deliver({ type: 'terminal.output', terminalId: 't1', data: '12345' });
    expect(socket.take()).toEqual([]); // not rendered yet
    screen.render();
    expect(socket.take()).toEqual([]); // a small amount waits briefly for more
    vi.advanceTimersByTime(50);
    expect(socket.take()).toEqual([{ type: 'terminal.ack', terminalId: 't1', chars: 10 }]);

    // A flood is acked as soon as a batch is on screen.
    socket.deliver({ type: 'terminal.output', terminalId: 't1', data: 'x'.repeat(10_000) });
    screen.render();
    expect(socket.take()).toEqual([{ type: 'terminal.ack', terminalId: 't1', chars: 10_000 }]);
  });

  it('sends keystrokes only while attached', () => {
    create();
    sessions.attachScreen('t1', new FakeScreen());
    socket.take();
    sessions.input('t1', 'ls');
    expect(socket.take()).toEqual([]); // still opening
    socket.deliver(opened('t1'));
    sessions.input('t1', 'ls\r');
    expect(socket.take()).toEqual([{ type: 'terminal.input', terminalId: 't1', data: 'ls\r' }]);
  });

  it('discards keystrokes while disconnected and reattaches every terminal on reconnect', () => {
    create();
    const first = new FakeScreen();
    sessions.attachScreen('t1', first);
    sessions.add();
    const second = new FakeScreen();
    sessions.attachScreen('t2', second);
    socket.deliver(opened('t1', 'one'));
    socket.deliver(opened('t2', 'two'));
    socket.deliver({ type: 'terminal.output', terminalId: 't1', data: '!' });
    socket.take();

    socket.drop();
    expect(tabs().map((t) => t.status)).toEqual(['disconnected', 'disconnected']);
    sessions.input('t1', 'rm -rf build\r');
    first.render(); // a write finishing after the drop is not acked to the next connection
    vi.advanceTimersByTime(1000);

    socket.reconnect();
    expect(socket.take()).toEqual([
      { type: 'terminal.open', workspace: WS, terminalId: 't1', cols: 100, rows: 30 },
      { type: 'terminal.open', workspace: WS, terminalId: 't2', cols: 100, rows: 30 },
    ]);
    socket.deliver(opened('t1', 'one!more'));
    socket.deliver(opened('t2', 'two'));
    expect(first.text).toBe('one!more'); // replaced, not doubled
    expect(second.text).toBe('two');
    expect(tabs().map((t) => t.status)).toEqual(['attached', 'attached']);
  });

  it('a later open supersedes the first (the latest replay wins)', () => {
    create();
    const screen = new FakeScreen();
    sessions.attachScreen('t1', screen);
    socket.deliver(opened('t1', 'first'));
    socket.deliver({ type: 'terminal.output', terminalId: 't1', data: '+' });
    socket.deliver(opened('t1', 'first+second'));
    expect(screen.text).toBe('first+second');
  });

  it('says how the shell exited and opens a new one on Enter', () => {
    create();
    const screen = new FakeScreen();
    sessions.attachScreen('t1', screen);
    socket.deliver(opened('t1', '$ '));
    socket.take();
    socket.deliver({ type: 'terminal.exit', terminalId: 't1', code: 3, signal: null });
    expect(tab('t1')).toMatchObject({ status: 'exited', exitCode: 3 });
    expect(screen.text).toContain('[process exited with code 3] — press Enter to restart');

    sessions.input('t1', 'x');
    expect(socket.take()).toEqual([]);
    sessions.input('t1', '\r');
    expect(socket.take()).toEqual([
      { type: 'terminal.open', workspace: WS, terminalId: 't1', cols: 100, rows: 30 },
    ]);
    socket.deliver(opened('t1', 'new$ '));
    expect(screen.text).toBe('new$ ');
    expect(tab('t1').status).toBe('attached');
  });

  it('names a signal when there is no exit code, and does not restart it on reconnect', () => {
    create();
    const screen = new FakeScreen();
    sessions.attachScreen('t1', screen);
    socket.deliver(opened('t1'));
    socket.deliver({ type: 'terminal.exit', terminalId: 't1', code: null, signal: 'SIGKILL' });
    expect(screen.text).toContain('[process exited with signal SIGKILL]');
    socket.take();
    socket.drop();
    socket.reconnect();
    expect(socket.take()).toEqual([]);
    expect(tab('t1').status).toBe('exited');
  });

  it('shows a server error about a terminal, and Retry opens it again', () => {
    create();
    sessions.attachScreen('t1', new FakeScreen());
    socket.take();
    socket.deliver({
      type: 'error',
      code: 'CELL_LIMIT_REACHED',
      message: 'Too many cells are running.',
      ref: 't1',
    });
    expect(tab('t1')).toMatchObject({
      status: 'error',
      error: { code: 'CELL_LIMIT_REACHED', message: 'Too many cells are running.' },
    });
    socket.deliver({ type: 'error', code: 'VALIDATION_FAILED', message: 'other' });
    expect(tab('t1').error?.code).toBe('CELL_LIMIT_REACHED');

    sessions.retry('t1');
    expect(tab('t1').status).toBe('opening');
    expect(tab('t1').error).toBeUndefined();
    expect(socket.take()).toHaveLength(1);
  });

  it('opens a terminal in a folder; after an error a retry opens at the root', () => {
    create();
    const id = sessions.add('src/app');
    expect(sessions.getSnapshot().activeId).toBe(id);
    sessions.attachScreen(id, new FakeScreen());
    expect(socket.take()).toEqual([
      { type: 'terminal.open', workspace: WS, terminalId: id, cols: 100, rows: 30, cwd: 'src/app' },
    ]);
    socket.deliver({ type: 'error', code: 'FILE_NOT_FOUND', message: 'gone', ref: id });
    sessions.retry(id);
    expect(socket.take()).toEqual([
      { type: 'terminal.open', workspace: WS, terminalId: id, cols: 100, rows: 30 },
    ]);
  });

  it('runs a file in its own tab, reused (with a fresh screen) for its next run', () => {
    create();
    const config = { args: ['a b'], env: { DEBUG: '1' } };
    sessions.runFile('script.py', config);
    const first = sessions.getSnapshot().activeId!;
    expect(first).toBe('run-t2');
    expect(tabs().map((t) => t.name)).toEqual(['Terminal 1', 'Run: script.py']);
    sessions.attachScreen(first, new FakeScreen());
    expect(socket.take()).toEqual([
      {
        type: 'terminal.open',
        workspace: WS,
        terminalId: first,
        cols: 100,
        rows: 30,
        run: { path: 'script.py', ...config },
      },
    ]);
    socket.deliver(opened(first));
    expect(isRunning(tab(first))).toBe(true);
    sessions.stopRun(first);
    expect(socket.take()).toEqual([{ type: 'terminal.stop', terminalId: first }]);

    // Run again while it runs: the old run ends, the same tab gets the new one.
    sessions.runFile('script.py', { args: [], env: {} });
    const second = sessions.getSnapshot().activeId!;
    expect(second).not.toBe(first);
    expect(tabs().map((t) => t.name)).toEqual(['Terminal 1', 'Run: script.py']);
    expect(socket.take()).toEqual([{ type: 'terminal.close', terminalId: first }]);
    const screen = new FakeScreen();
    sessions.attachScreen(second, screen);
    socket.deliver(opened(second));
    socket.deliver({
      type: 'terminal.exit',
      terminalId: second,
      code: 2,
      signal: null,
      durationMs: 1234,
    });
    expect(tab(second)).toMatchObject({ status: 'exited', exitCode: 2, durationMs: 1234 });
    expect(screen.text).toContain('[script.py exited with code 2]');
    // Enter in an ended run tab does not start a shell there.
    socket.take();
    sessions.input(second, '\r');
    expect(socket.take()).toEqual([]);
  });

  it('a remembered run tab that ended while away says so', () => {
    const { id, screen } = runThenReload(() => undefined);
    expect(socket.take().at(-1)).toEqual({
      type: 'terminal.open',
      workspace: WS,
      terminalId: id,
      cols: 100,
      rows: 30,
    });
    socket.deliver({ type: 'error', code: 'TERMINAL_NOT_FOUND', message: 'ended', ref: id });
    expect(tab(id)).toMatchObject({ name: 'Run: x.py', status: 'exited' });
    expect(screen.text).toContain('this run has ended');
  });

  it('a remembered run tab that ended shows its output and exit again; closing it lets the server forget them', () => {
    const { id, screen } = runThenReload((id) => socket.deliver(exited(id)));
    socket.deliver(opened(id, 'hello from x\r\n'));
    socket.deliver(exited(id));
    expect(tab(id)).toMatchObject({ status: 'exited', exitCode: 0, durationMs: 1200 });
    expect(screen.text).toContain('hello from x');
    expect(screen.text).toContain('[x.py exited with code 0]');
    socket.take();
    sessions.close(id);
    expect(socket.take()).toEqual([{ type: 'terminal.close', terminalId: id }]);
  });

  it('remembers tabs, names and the active one per workspace, and reattaches them by id', () => {
    create();
    sessions.add();
    sessions.rename('t2', '  server  ');
    sessions.activate('t1');
    sessions.stop();

    create();
    expect(tabs().map(({ id, name }) => ({ id, name }))).toEqual([
      { id: 't1', name: 'Terminal 1' },
      { id: 't2', name: 'server' },
    ]);
    expect(sessions.getSnapshot().activeId).toBe('t1');
    sessions.attachScreen('t2', new FakeScreen());
    expect(socket.take()).toEqual([
      { type: 'terminal.open', workspace: WS, terminalId: 't2', cols: 100, rows: 30 },
    ]);
  });

  it('numbers new terminals with the first free number', () => {
    create();
    sessions.add();
    sessions.add();
    sessions.close('t2');
    sessions.add();
    expect(tabs().map((t) => t.name)).toEqual(['Terminal 1', 'Terminal 3', 'Terminal 2']);
  });

  it('closing ends the shell and activates the neighbour', () => {
    create();
    sessions.attachScreen('t1', new FakeScreen());
    socket.deliver(opened('t1'));
    sessions.add();
    sessions.activate('t1');
    socket.take();
    sessions.close('t1');
    expect(socket.take()).toEqual([{ type: 'terminal.close', terminalId: 't1' }]);
    expect(tabs().map((t) => t.id)).toEqual(['t2']);
    expect(sessions.getSnapshot().activeId).toBe('t2');
    socket.deliver({ type: 'terminal.output', terminalId: 't1', data: 'late' }); // no crash
  });

  it('a terminal closed while offline is ended at the next connection', () => {
    create();
    sessions.attachScreen('t1', new FakeScreen());
    socket.deliver(opened('t1'));
    socket.take();
    socket.drop();
    sessions.close('t1');
    socket.reconnect();
    expect(socket.take()).toEqual([
      { type: 'terminal.open', workspace: WS, terminalId: 't1', cols: 80, rows: 24 },
      { type: 'terminal.close', terminalId: 't1' },
    ]);
  });

  it('detaching the screen leaves the shell running and stops acking', () => {
    create();
    const screen = new FakeScreen();
    sessions.attachScreen('t1', screen);
    socket.deliver(opened('t1'));
    socket.deliver({ type: 'terminal.output', terminalId: 't1', data: 'abc' });
    socket.take();
    sessions.detachScreen('t1');
    screen.render();
    vi.advanceTimersByTime(100);
    expect(socket.take()).toEqual([{ type: 'terminal.detach', terminalId: 't1' }]);
    expect(tab('t1').status).toBe('idle');
  });

  it('resizes only an attached terminal', () => {
    create();
    sessions.attachScreen('t1', new FakeScreen());
    sessions.resize('t1', 90, 20);
    socket.deliver(opened('t1'));
    socket.take();
    sessions.resize('t1', 90, 20);
    expect(socket.take()).toEqual([
      { type: 'terminal.resize', terminalId: 't1', cols: 90, rows: 20 },
    ]);
  });

  it('an open screen waits while disconnected and opens on connection', () => {
    socket.state = 'connecting';
    create();
    sessions.attachScreen('t1', new FakeScreen());
    expect(tab('t1').status).toBe('disconnected');
    socket.reconnect();
    expect(socket.take()).toHaveLength(1);
    expect(tab('t1').status).toBe('opening');
  });
});
