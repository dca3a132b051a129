/**
 * The terminals of one workspace as the browser sees them, without any DOM: which tabs
 * exist (remembered per workspace, so a reload reattaches each by its id and the server
 * replays its screen), what each is doing, and the protocol with the server — open and
 * reattach on every connection, replay, output with acks as it is rendered, input,
 * resize, exit and restart. The panel draws this; xterm.js is behind `TerminalScreen`.
 */
import type { ServerMessage } from '@workcell/protocol';

import type { RunConfig } from './runConfigurations';
import {
  exitNotice,
  isRunning,
  Session,
  type SessionSocket,
  type TerminalScreen,
  type TerminalsSnapshot,
  type TerminalTab,
} from './session';
import { loadTabs, saveTabs } from './storedTabs';

export {
  isRunning,
  type SessionSocket,
  type TerminalScreen,
  type TerminalsSnapshot,
  type TerminalStatus,
  type TerminalTab,
} from './session';

/** Used to open (and at once close) a terminal that has no screen. */
const HEADLESS_SIZE = { cols: 80, rows: 24 };

export interface TerminalSessionsOptions {
  workspace: string;
  socket: SessionSocket;
  storage?: Pick<Storage, 'getItem' | 'setItem'>;
  newId?: () => string;
}

export class TerminalSessions {
  private readonly sessions = new Map<string, Session>();
  private order: string[] = [];
  private activeId: string | undefined;
  /** Terminals closed while offline: their shells are ended at the next connection. */
  private readonly closeLater = new Set<string>();
  private snapshot: TerminalsSnapshot = { tabs: [], activeId: undefined };
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void)[] = [];
  private readonly workspace: string;
  private readonly socket: SessionSocket;
  private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  private readonly newId: () => string;
  private readonly storageKey: string;

  constructor(options: TerminalSessionsOptions) {
    this.workspace = options.workspace;
    this.socket = options.socket;
    this.storage = options.storage;
    this.newId = options.newId ?? randomId;
    this.storageKey = `workcell:terminals:${options.workspace}`;
    const stored = loadTabs(this.storage, this.storageKey);
    if (stored && stored.tabs.length > 0) {
      for (const { id, name, run } of stored.tabs) this.addSession(id, name, run);
      this.activeId = this.sessions.has(stored.activeId ?? '') ? stored.activeId : this.order[0];
    } else if (!stored) {
      // The first visit gets one terminal; a user who closed them all keeps none.
      this.activeId = this.addSession(this.newId(), 'Terminal 1').tab.id;
      // Stored at once: a reload (or React creating this twice) must find the same id.
      this.changed();
    }
    this.publish();
  }

  /** Listens to the socket; `stop` undoes it (both may be called again, as React does). */
  start(): void {
    if (this.unsubscribe.length > 0) return;
    this.unsubscribe = [
      this.socket.onMessage((message) => this.receive(message)),
      this.socket.onState((state) => state !== 'connected' && this.disconnected()),
      this.socket.onOpen(() => this.connected()),
    ];
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    for (const session of this.sessions.values()) clearTimeout(session.ackTimer);
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  readonly getSnapshot = (): TerminalsSnapshot => this.snapshot;

  /** Adds a terminal and makes it active; it opens once its screen is attached. */
  add(): string {
    const used = new Set(this.order.map((id) => this.sessions.get(id)!.tab.name));
    let n = 1;
    while (used.has(`Terminal ${n}`)) n++;
    const session = this.addSession(this.newId(), `Terminal ${n}`);
    this.activeId = session.tab.id;
    this.changed();
    return session.tab.id;
  }

  activate(id: string): void {
    if (!this.sessions.has(id) || this.activeId === id) return;
    this.activeId = id;
    this.changed();
  }

  rename(id: string, name: string): void {
    const session = this.sessions.get(id);
    const trimmed = name.trim().slice(0, 60);
    if (!session || trimmed === '' || trimmed === session.tab.name) return;
    this.update(session, { name: trimmed });
  }

  /** Removes the tab and ends its shell (at the next connection if offline). */
  close(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    clearTimeout(session.ackTimer);
    const { status } = session.tab;
    if (status !== 'exited') {
      if (this.socket.state === 'connected' && (status === 'attached' || status === 'opening'))
        this.socket.send({ type: 'terminal.close', terminalId: id });
      else this.closeLater.add(id);
    }
    const index = this.order.indexOf(id);
    this.sessions.delete(id);
    this.order.splice(index, 1);
    if (this.activeId === id) this.activeId = this.order[Math.min(index, this.order.length - 1)];
    if (this.socket.state === 'connected') this.flushCloses();
    this.changed();
  }

  /** The view has put the terminal on screen: open it now if connected. */
  attachScreen(id: string, screen: TerminalScreen): void {
    const session = this.sessions.get(id);
    if (!session) return;
    session.screen = screen;
    if (session.tab.status === 'exited') return;
    if (this.socket.state === 'connected') this.open(session);
    else this.update(session, { status: 'disconnected' });
  }

  /** The view goes away (unmount): the shell keeps running on the server. */
  detachScreen(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    if (session.tab.status === 'attached' || session.tab.status === 'opening')
      this.socket.send({ type: 'terminal.detach', terminalId: id });
    session.screen = undefined;
    session.resetFlow();
    if (session.tab.status !== 'exited') this.update(session, { status: 'idle' });
  }

  /** Keystrokes. While not attached they are dropped on purpose (the view says so). */
  input(id: string, data: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    if (session.tab.status === 'attached')
      this.socket.send({ type: 'terminal.input', terminalId: id, data });
    else if (session.tab.status === 'exited' && !session.tab.run && data.includes('\r'))
      this.retry(id);
  }

  resize(id: string, cols: number, rows: number): void {
    const session = this.sessions.get(id);
    if (session?.tab.status === 'attached')
      this.socket.send({ type: 'terminal.resize', terminalId: id, cols, rows });
  }

  /** Opens again after an error, or starts a new shell after an exit. */
  retry(id: string): void {
    const session = this.sessions.get(id);
    if (!session?.screen) return;
    if (this.socket.state === 'connected') this.open(session);
    else this.update(session, { status: 'disconnected', error: undefined });
  }

  /**
   * Runs `path` in its run tab (`Run: <path>`), made active: the tab of the file's last
   * run gets the new run (ending the old one if it still runs), or a new tab is added.
   */
  runFile(path: string, config: RunConfig): void {
    const id = this.newRunId();
    const previous = this.order.find((tabId) => this.sessions.get(tabId)!.tab.run?.path === path);
    let session: Session;
    if (previous === undefined) {
      session = this.addSession(id, `Run: ${path}`, { path });
    } else {
      session = this.sessions.get(previous)!;
      if (isRunning(session.tab))
        this.socket.send({ type: 'terminal.close', terminalId: previous });
      // A new id is a new view: the old run's output goes with the old screen.
      this.sessions.delete(previous);
      this.sessions.set(id, session);
      this.order[this.order.indexOf(previous)] = id;
      session.screen = undefined;
      session.resetFlow();
      session.tab = { id, name: session.tab.name, run: { path }, status: 'idle' };
    }
    session.pendingRun = { path, ...config };
    this.activeId = id;
    this.changed();
  }

  /** Stops the run in tab `id`: SIGINT, then SIGKILL for what is left after 2 s. */
  stopRun(id: string): void {
    const session = this.sessions.get(id);
    if (session?.tab.run && session.tab.status === 'attached')
      this.socket.send({ type: 'terminal.stop', terminalId: id });
  }

  private open(session: Session): void {
    const screen = session.screen!;
    session.resetFlow();
    this.update(session, { status: 'opening', error: undefined });
    this.socket.send({
      type: 'terminal.open',
      workspace: this.workspace,
      terminalId: session.tab.id,
      cols: screen.cols,
      rows: screen.rows,
      ...(session.pendingRun && { run: session.pendingRun }),
    });
  }

  private connected(): void {
    this.flushCloses();
    for (const id of this.order) {
      const session = this.sessions.get(id)!;
      // An exited shell stays exited until the user asks for a new one.
      if (session.screen && session.tab.status !== 'exited') this.open(session);
    }
  }

  private disconnected(): void {
    for (const session of this.sessions.values()) {
      session.resetFlow();
      const { status } = session.tab;
      if (status === 'attached' || status === 'opening' || status === 'error')
        this.update(session, { status: 'disconnected', error: undefined });
    }
  }

  private flushCloses(): void {
    for (const terminalId of this.closeLater) {
      // The server closes only terminals this connection is attached to.
      this.socket.send({
        type: 'terminal.open',
        workspace: this.workspace,
        terminalId,
        ...HEADLESS_SIZE,
      });
      this.socket.send({ type: 'terminal.close', terminalId });
    }
    this.closeLater.clear();
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'terminal.opened': {
        const session = this.sessions.get(message.terminalId);
        const status = session?.tab.status;
        if (message.workspace !== this.workspace || !session?.screen) return;
        if (status !== 'opening' && status !== 'attached') return;
        // A later open supersedes an earlier one (its replay shows everything since).
        session.resetFlow();
        const screen = session.screen;
        screen.reset();
        screen.write(message.replay);
        session.pendingRun = undefined;
        this.update(session, { status: 'attached', exitCode: undefined, exitSignal: undefined });
        return;
      }
      case 'terminal.output': {
        const session = this.sessions.get(message.terminalId);
        if (session?.tab.status !== 'attached' || !session.screen) return;
        const generation = session.generation;
        const chars = message.data.length;
        session.screen.write(message.data, () => {
          if (session.generation === generation) session.rendered(this.socket, chars);
        });
        return;
      }
      case 'terminal.exit': {
        const session = this.sessions.get(message.terminalId);
        if (!session || (session.tab.status !== 'attached' && session.tab.status !== 'opening'))
          return;
        session.resetFlow();
        session.screen?.write(exitNotice(session.tab, message.code, message.signal));
        this.update(session, {
          status: 'exited',
          exitCode: message.code,
          exitSignal: message.signal,
          ...(message.durationMs !== undefined && { durationMs: message.durationMs }),
        });
        return;
      }
      case 'error': {
        const session = message.ref !== undefined ? this.sessions.get(message.ref) : undefined;
        if (!session || session.tab.status === 'exited') return;
        session.generation++;
        // A run that ended while nobody watched: its tab stays, ended, until run again.
        if (session.tab.run && !session.pendingRun && message.code === 'TERMINAL_NOT_FOUND') {
          session.screen?.write('\x1b[2m[this run has ended]\x1b[0m\r\n');
          this.update(session, { status: 'exited', exitCode: null, exitSignal: null });
          return;
        }
        this.update(session, {
          status: 'error',
          error: { code: message.code, message: message.message },
        });
        return;
      }
      default:
        return;
    }
  }

  private addSession(id: string, name: string, run?: { path: string }): Session {
    const session = new Session({ id, name, status: 'idle', ...(run && { run }) });
    this.sessions.set(id, session);
    this.order.push(id);
    return session;
  }

  private update(session: Session, patch: Partial<TerminalTab>): void {
    session.tab = { ...session.tab, ...patch };
    this.changed();
  }

  private changed(): void {
    saveTabs(this.storage, this.storageKey, {
      tabs: this.order.map((id) => {
        const { name, run } = this.sessions.get(id)!.tab;
        return { id, name, ...(run && { run }) };
      }),
      ...(this.activeId !== undefined && { activeId: this.activeId }),
    });
    this.publish();
  }

  private newRunId(): string {
    return `run-${this.newId()}`;
  }

  private publish(): void {
    this.snapshot = {
      tabs: this.order.map((id) => this.sessions.get(id)!.tab),
      activeId: this.activeId,
    };
    for (const listener of [...this.listeners]) listener();
  }
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `t${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
