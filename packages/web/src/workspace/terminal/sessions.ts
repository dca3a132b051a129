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
  isRunning,
  Session,
  type SessionSocket,
  type TerminalScreen,
  type TerminalTab,
} from './session';
import type { TerminalTabsMemory } from './storedTabs';
import { ServerCloses } from './serverCloses';
import { TabList } from './tabList';

export interface TerminalSessionsOptions {
  workspace: string;
  socket: SessionSocket;
  /** Where the tabs are remembered between visits; a page load only without. */
  memory?: TerminalTabsMemory;
  newId?: () => string;
}

export class TerminalSessions {
  private readonly tabs: TabList;
  private readonly closes: ServerCloses;
  private unsubscribe: (() => void)[] = [];
  private readonly workspace: string;
  private readonly socket: SessionSocket;
  private readonly newId: () => string;

  constructor(options: TerminalSessionsOptions) {
    this.workspace = options.workspace;
    this.socket = options.socket;
    this.newId = options.newId ?? randomId;
    this.tabs = new TabList(options.memory, this.newId);
    this.closes = new ServerCloses(this.workspace, this.socket);
    this.subscribe = this.tabs.subscribe;
    this.getSnapshot = this.tabs.getSnapshot;
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
    for (const session of this.tabs.all()) clearTimeout(session.ackTimer);
  }

  readonly subscribe: TabList['subscribe'];
  readonly getSnapshot: TabList['getSnapshot'];

  /**
   * Adds a terminal and makes it active; it opens once its screen is attached, its shell
   * in the workspace folder `cwd` (the root by default).
   */
  add(cwd?: string): string {
    const session = this.tabs.add(this.newId(), this.tabs.nextName());
    session.pendingCwd = cwd || undefined;
    this.tabs.setActive(session.tab.id);
    this.tabs.changed();
    return session.tab.id;
  }

  activate(id: string): void {
    if (!this.tabs.get(id) || this.tabs.activeId === id) return;
    this.tabs.setActive(id);
    this.tabs.changed();
  }

  rename(id: string, name: string): void {
    const session = this.tabs.get(id);
    const trimmed = name.trim().slice(0, 60);
    if (!session || trimmed === '' || trimmed === session.tab.name) return;
    this.update(session, { name: trimmed });
  }

  /** Removes the tab and ends its shell (at the next connection if offline). */
  close(id: string): void {
    const session = this.tabs.get(id);
    if (!session) return;
    clearTimeout(session.ackTimer);
    this.closes.close(session.tab);
    this.tabs.remove(id);
    this.tabs.changed();
  }

  /** The view has put the terminal on screen: open it now if connected. */
  attachScreen(id: string, screen: TerminalScreen): void {
    const session = this.tabs.get(id);
    if (!session) return;
    session.screen = screen;
    if (session.tab.status === 'exited') return;
    if (this.socket.state === 'connected') this.open(session);
    else this.update(session, { status: 'disconnected' });
  }

  /** The view goes away (unmount): the shell keeps running on the server. */
  detachScreen(id: string): void {
    const session = this.tabs.get(id);
    if (!session) return;
    if (session.tab.status === 'attached' || session.tab.status === 'opening')
      this.socket.send({ type: 'terminal.detach', terminalId: id });
    session.screen = undefined;
    session.resetFlow();
    if (session.tab.status !== 'exited') this.update(session, { status: 'idle' });
  }

  /** Keystrokes. While not attached they are dropped on purpose (the view says so). */
  input(id: string, data: string): void {
    const session = this.tabs.get(id);
    if (!session) return;
    if (session.tab.status === 'attached')
      this.socket.send({ type: 'terminal.input', terminalId: id, data });
    else if (session.tab.status === 'exited' && !session.tab.run && data.includes('\r'))
      this.retry(id);
  }

  resize(id: string, cols: number, rows: number): void {
    const session = this.tabs.get(id);
    if (session?.tab.status === 'attached')
      this.socket.send({ type: 'terminal.resize', terminalId: id, cols, rows });
  }

  /** Opens again after an error, or starts a new shell after an exit. */
  retry(id: string): void {
    const session = this.tabs.get(id);
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
    let session = this.tabs.all().find((s) => s.tab.run?.path === path);
    if (!session) {
      session = this.tabs.add(id, `Run: ${path}`, { path });
    } else {
      if (isRunning(session.tab))
        this.socket.send({ type: 'terminal.close', terminalId: session.tab.id });
      // A new id is a new view: the old run's output goes with the old screen.
      this.tabs.changeId(session.tab.id, id);
      session.screen = undefined;
      session.resetFlow();
      session.tab = { id, name: session.tab.name, run: { path }, status: 'idle' };
    }
    session.pendingRun = { path, ...config };
    this.tabs.setActive(id);
    this.tabs.changed();
  }

  /** Stops the run in tab `id`: SIGINT, then SIGKILL for what is left after 2 s. */
  stopRun(id: string): void {
    const session = this.tabs.get(id);
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
      ...(session.pendingCwd !== undefined && { cwd: session.pendingCwd }),
    });
  }

  private connected(): void {
    this.closes.flush();
    for (const session of this.tabs.all()) {
      // An exited shell stays exited until the user asks for a new one.
      if (session.screen && session.tab.status !== 'exited') this.open(session);
    }
  }

  private disconnected(): void {
    for (const session of this.tabs.all()) {
      session.resetFlow();
      const { status } = session.tab;
      if (status === 'attached' || status === 'opening' || status === 'error')
        this.update(session, { status: 'disconnected', error: undefined });
    }
  }

  private receive(message: ServerMessage): void {
    if (message.type === 'error') {
      const session = message.ref !== undefined ? this.tabs.get(message.ref) : undefined;
      if (!session || session.tab.status === 'exited') return;
      session.failed({ code: message.code, message: message.message });
      this.tabs.changed();
      return;
    }
    if (!('terminalId' in message)) return;
    const session = this.tabs.get(message.terminalId);
    const status = session?.tab.status;
    if (!session) return;
    switch (message.type) {
      case 'terminal.opened':
        if (message.workspace !== this.workspace || !session.screen) return;
        if (status !== 'opening' && status !== 'attached') return;
        session.opened(message.replay);
        break;
      case 'terminal.output':
        if (status === 'attached') session.output(message.data, this.socket);
        return;
      case 'terminal.exit':
        if (status !== 'attached' && status !== 'opening') return;
        session.exited(message.code, message.signal, message.durationMs);
        break;
      default:
        return;
    }
    this.tabs.changed();
  }

  private update(session: Session, patch: Partial<TerminalTab>): void {
    session.patch(patch);
    this.tabs.changed();
  }

  private newRunId(): string {
    return `run-${this.newId()}`;
  }
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `t${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
