/**
 * The terminal tabs of one workspace, in order, with the active one: remembered (so a
 * reload reattaches each by its id) and published to the view as an
 * immutable snapshot. What the terminals do is `TerminalSessions`'.
 */
import { Session, type TerminalsSnapshot } from './session';
import type { TerminalTabsMemory } from './storedTabs';

export class TabList {
  private readonly sessions = new Map<string, Session>();
  private order: string[] = [];
  private active: string | undefined;
  private snapshot: TerminalsSnapshot = { tabs: [], activeId: undefined };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly memory: TerminalTabsMemory | undefined,
    firstId: () => string,
  ) {
    const stored = memory?.load();
    if (stored && stored.tabs.length > 0) {
      for (const { id, name, run } of stored.tabs) this.add(id, name, run);
      this.active = this.sessions.has(stored.activeId ?? '') ? stored.activeId : this.order[0];
    } else {
      // The first visit gets one terminal.
      this.active = this.add(firstId(), 'Terminal 1').tab.id;
      // Stored at once: a reload (or React creating this twice) must find the same id.
      this.changed();
    }
    this.publish();
  }

  get activeId(): string | undefined {
    return this.active;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** The sessions in tab order. */
  all(): Session[] {
    return this.order.map((id) => this.sessions.get(id)!);
  }

  add(id: string, name: string, run?: { path: string }): Session {
    const session = new Session({ id, name, status: 'idle', ...(run && { run }) });
    this.sessions.set(id, session);
    this.order.push(id);
    return session;
  }

  /** The first `Terminal <n>` no tab is named. */
  nextName(): string {
    const used = new Set(this.all().map((session) => session.tab.name));
    let n = 1;
    while (used.has(`Terminal ${n}`)) n++;
    return `Terminal ${n}`;
  }

  /** Drops the tab; a neighbour becomes active if it was. */
  remove(id: string): void {
    const index = this.order.indexOf(id);
    if (index < 0) return;
    this.sessions.delete(id);
    this.order.splice(index, 1);
    if (this.active === id) this.active = this.order[Math.min(index, this.order.length - 1)];
  }

  /** Gives the tab `from` the id `to`, in the same place. */
  changeId(from: string, to: string): void {
    const session = this.sessions.get(from);
    if (!session) return;
    this.sessions.delete(from);
    this.sessions.set(to, session);
    this.order[this.order.indexOf(from)] = to;
    if (this.active === from) this.active = to;
  }

  setActive(id: string): void {
    this.active = id;
  }

  /** Remembers the tabs and tells the view. */
  changed(): void {
    this.memory?.save({
      tabs: this.all().map(({ tab: { id, name, run } }) => ({ id, name, ...(run && { run }) })),
      ...(this.active !== undefined && { activeId: this.active }),
    });
    this.publish();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  readonly getSnapshot = (): TerminalsSnapshot => this.snapshot;

  private publish(): void {
    this.snapshot = { tabs: this.all().map((session) => session.tab), activeId: this.active };
    for (const listener of [...this.listeners]) listener();
  }
}
