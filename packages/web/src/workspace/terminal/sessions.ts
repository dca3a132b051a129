/**
 * The terminals of one workspace as the browser sees them, without any DOM: which tabs
 * exist (remembered per workspace, so a reload reattaches each by its id and the server
 * replays its screen), what each is doing, and the protocol with the server — open and
 * reattach on every connection, replay, output with acks as it is rendered, input,
 * resize, exit and restart. The panel draws this; xterm.js is behind `TerminalScreen`.
 */
import type { ClientMessage, ServerMessage } from '@workcell/protocol';

import type { ConnectionState } from '../../connection/socket';

/** What the model needs of the socket (a `WorkcellSocket`). */
export interface SessionSocket {
  readonly state: ConnectionState;
  send(message: ClientMessage): boolean;
  onMessage(listener: (message: ServerMessage) => void): () => void;
  onOpen(listener: () => void): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
}

/** What the model needs of a rendered terminal (an xterm.js `Terminal`). */
export interface TerminalScreen {
  readonly cols: number;
  readonly rows: number;
  /** Clears screen and scrollback, in order with the writes before it. */
  reset(): void;
  /** `rendered` runs once the data is on screen (xterm parses writes asynchronously). */
  write(data: string, rendered?: () => void): void;
}

export type TerminalStatus =
  /** Not on screen yet, or never connected. */
  | 'idle'
  /** `terminal.open` sent; the cell may be starting. */
  | 'opening'
  | 'attached'
  /** The socket is down; typing is discarded until it is back. */
  | 'disconnected'
  | 'exited'
  | 'error';

export interface TerminalTab {
  id: string;
  name: string;
  status: TerminalStatus;
  exitCode?: number | null;
  exitSignal?: string | null;
  error?: { code: string; message: string };
}

export interface TerminalsSnapshot {
  tabs: readonly TerminalTab[];
  activeId: string | undefined;
}

interface Stored {
  tabs: { id: string; name: string }[];
  activeId?: string;
}

/** Acks go out once this many characters are rendered, or shortly after the last write. */
const ACK_BATCH_CHARS = 8 * 1024;
const ACK_FLUSH_MS = 50;
/** Used to open (and at once close) a terminal that has no screen. */
const HEADLESS_SIZE = { cols: 80, rows: 24 };

class Session {
  screen: TerminalScreen | undefined;
  /** Bumped at every open: acks and writes of an earlier attachment are void. */
  generation = 0;
  unacked = 0;
  ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** Commands from `run` waiting for the terminal to be attached. */
  readonly pendingRuns: string[] = [];

  constructor(public tab: TerminalTab) {}
}

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
    const stored = this.load();
    if (stored && stored.tabs.length > 0) {
      for (const { id, name } of stored.tabs) this.addSession(id, name);
      this.activeId = this.sessions.has(stored.activeId ?? '') ? stored.activeId : this.order[0];
    } else if (!stored) {
      // The first visit gets one terminal; a user who closed them all keeps none.
      this.activeId = this.addSession(this.newId(), 'Terminal 1').tab.id;
      // Stored at once: a reload (or React creating this twice) must find the same id.
      this.save();
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
    session.generation++;
    clearTimeout(session.ackTimer);
    session.unacked = 0;
    if (session.tab.status !== 'exited') this.update(session, { status: 'idle' });
  }

  /** Keystrokes. While not attached they are dropped on purpose (the view says so). */
  input(id: string, data: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    if (session.tab.status === 'attached')
      this.socket.send({ type: 'terminal.input', terminalId: id, data });
    else if (session.tab.status === 'exited' && data.includes('\r')) this.retry(id);
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

  /** Types `command` + Enter into the active terminal once attached (adding one if none). */
  run(command: string): void {
    const id = this.activeId ?? this.add();
    const session = this.sessions.get(id)!;
    if (session.tab.status === 'attached') {
      this.socket.send({ type: 'terminal.input', terminalId: id, data: `${command}\r` });
      return;
    }
    session.pendingRuns.push(`${command}\r`);
    if (session.tab.status === 'exited' || session.tab.status === 'error') this.retry(id);
  }

  private open(session: Session): void {
    const screen = session.screen!;
    session.generation++;
    clearTimeout(session.ackTimer);
    session.unacked = 0;
    this.update(session, { status: 'opening', error: undefined });
    this.socket.send({
      type: 'terminal.open',
      workspace: this.workspace,
      terminalId: session.tab.id,
      cols: screen.cols,
      rows: screen.rows,
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
      clearTimeout(session.ackTimer);
      session.unacked = 0;
      session.generation++;
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
        session.generation++;
        clearTimeout(session.ackTimer);
        session.unacked = 0;
        const screen = session.screen;
        screen.reset();
        screen.write(message.replay);
        this.update(session, { status: 'attached', exitCode: undefined, exitSignal: undefined });
        for (const data of session.pendingRuns.splice(0))
          this.socket.send({ type: 'terminal.input', terminalId: message.terminalId, data });
        return;
      }
      case 'terminal.output': {
        const session = this.sessions.get(message.terminalId);
        if (session?.tab.status !== 'attached' || !session.screen) return;
        const generation = session.generation;
        const chars = message.data.length;
        session.screen.write(message.data, () => {
          if (session.generation === generation) this.rendered(session, chars);
        });
        return;
      }
      case 'terminal.exit': {
        const session = this.sessions.get(message.terminalId);
        if (!session || (session.tab.status !== 'attached' && session.tab.status !== 'opening'))
          return;
        session.generation++;
        clearTimeout(session.ackTimer);
        const how =
          message.code !== null ? `code ${message.code}` : `signal ${message.signal ?? 'unknown'}`;
        session.screen?.write(
          `\r\n\x1b[2m[process exited with ${how}] — press Enter to restart\x1b[0m\r\n`,
        );
        this.update(session, {
          status: 'exited',
          exitCode: message.code,
          exitSignal: message.signal,
        });
        return;
      }
      case 'error': {
        const session = message.ref !== undefined ? this.sessions.get(message.ref) : undefined;
        if (!session || session.tab.status === 'exited') return;
        session.generation++;
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

  /** Flow control: tell the server what is on screen, in batches. */
  private rendered(session: Session, chars: number): void {
    session.unacked += chars;
    clearTimeout(session.ackTimer);
    if (session.unacked >= ACK_BATCH_CHARS) this.ack(session);
    else session.ackTimer = setTimeout(() => this.ack(session), ACK_FLUSH_MS);
  }

  private ack(session: Session): void {
    if (session.unacked === 0 || session.tab.status !== 'attached') return;
    this.socket.send({ type: 'terminal.ack', terminalId: session.tab.id, chars: session.unacked });
    session.unacked = 0;
  }

  private addSession(id: string, name: string): Session {
    const session = new Session({ id, name, status: 'idle' });
    this.sessions.set(id, session);
    this.order.push(id);
    return session;
  }

  private update(session: Session, patch: Partial<TerminalTab>): void {
    session.tab = { ...session.tab, ...patch };
    this.changed();
  }

  private changed(): void {
    this.save();
    this.publish();
  }

  private publish(): void {
    this.snapshot = {
      tabs: this.order.map((id) => this.sessions.get(id)!.tab),
      activeId: this.activeId,
    };
    for (const listener of [...this.listeners]) listener();
  }

  private load(): Stored | undefined {
    try {
      const raw = this.storage?.getItem(this.storageKey);
      if (!raw) return undefined;
      const parsed = JSON.parse(raw) as Partial<Stored>;
      if (!Array.isArray(parsed.tabs)) return undefined;
      const tabs = parsed.tabs.filter(
        (tab): tab is { id: string; name: string } =>
          typeof tab?.id === 'string' &&
          /^[A-Za-z0-9_-]{1,64}$/.test(tab.id) &&
          typeof tab.name === 'string',
      );
      return { tabs, activeId: typeof parsed.activeId === 'string' ? parsed.activeId : undefined };
    } catch {
      return undefined; // Unreadable or blocked storage: start afresh.
    }
  }

  private save(): void {
    const stored: Stored = {
      tabs: this.order.map((id) => ({ id, name: this.sessions.get(id)!.tab.name })),
      ...(this.activeId !== undefined && { activeId: this.activeId }),
    };
    try {
      this.storage?.setItem(this.storageKey, JSON.stringify(stored));
    } catch {
      // Storage full or blocked: the tabs just will not survive a reload.
    }
  }
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `t${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
