/**
 * The agent's lasting state: the workspace, the terminals and the shell's home. They
 * outlive any one connection of the server's (a server replica may die and another
 * connect), so a shell keeps running and its screen stays in its headless xterm for the
 * next connection's `pty.snapshot`. Requests are served by a Connection (connection.ts).
 */
import type { AgentEvent, AgentReplyHeader } from '@workcell/protocol/agent';

import { asUser } from './as-user';
import { Connection } from './connection';
import { EgressProxy } from './egress/proxy';
import { AgentFailure } from './failure';
import { log } from './log';
import { OnFirstUse } from './on-first-use';
import type { PtyHost } from './pty';
import type { AgentSettings } from './settings';
import { ensureHistoryFolder, prepareHome } from './shell';
import { UserCgroups } from './user-cgroups';
import { Workspace } from './workspace';

/** Sends a frame; throws FrameTooLargeError when it cannot be framed. */
export type Send = (header: AgentReplyHeader | AgentEvent, body?: Uint8Array) => void;

export class Agent {
  readonly workspace: Workspace;
  readonly ptys: OnFirstUse<PtyHost>;
  /** Settled once the shell's home is prepared: the ops that start user processes wait for it. */
  readonly shellReady: Promise<void>;
  /** Who user code runs as, when that is not the agent's own user. */
  readonly user: { uid: number; gid: number } | undefined;
  /** Where user processes are moved before they run (user-cgroups.ts). */
  readonly userCgroups: UserCgroups;
  private current: Connection | undefined;
  /** The cell's way out, when the server allows any (its streams are the connection's). */
  private readonly egress: EgressProxy | undefined;

  constructor(
    readonly settings: AgentSettings,
    /** Asked for by the `shutdown` op: the agent's owner stops it. */
    readonly shutdown: () => void,
  ) {
    const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const { userUid: uid, userGid: gid } = settings;
    this.user = uid !== self.uid || gid !== self.gid ? { uid, gid } : undefined;
    this.userCgroups = new UserCgroups(settings.userCgroupFds);
    this.workspace = new Workspace(settings.root, this.user);
    this.ptys = new OnFirstUse(async () => {
      const { PtyHost } = await import('./pty');
      return new PtyHost({
        output: (ptyId, data, offset) => this.send({ ev: 'pty.output', ptyId, offset }, data),
        exit: (ptyId, code, signal, durationMs) =>
          this.send({ ev: 'pty.exit', ptyId, code, signal, durationMs }),
      });
    });
    // Every user process needs the home (pip, caches, dotfiles), not only shells: made at
    // once, awaited by the ops that start user processes. Without its start-up files a
    // shell still works, just plainer: not worth failing for.
    this.shellReady = prepareHome({ ...settings, owner: this.user }).catch((error: unknown) =>
      log(`preparing the shell's home failed: ${String(error)}`),
    );
    if (settings.egressProxyPort !== undefined) {
      this.egress = new EgressProxy(settings.egressProxyPort, () => this.current?.egress);
    }
  }

  /**
   * Settles once a shell may start: its home prepared and its history folder in the
   * workspace. Without them a shell still works, just plainer: never a failure.
   */
  async shellPrepared(): Promise<void> {
    await Promise.all([
      this.shellReady,
      ensureHistoryFolder({ root: this.settings.root, owner: this.user }).catch((error: unknown) =>
        log(`making the shell's history folder failed: ${String(error)}`),
      ),
    ]);
  }

  /** How a user process starts: as the user, held until userCgroups.adopt() lets it run. */
  userArgv(argv: readonly string[]): string[] {
    return this.userCgroups.held(asUser(argv, this.user));
  }

  /**
   * Serves a new connection, which replaces the current one (stopping what that one
   * started). The terminals' unacknowledged output is forgiven: the old server will never
   * acknowledge it, and a paused terminal would stay paused for the new one.
   */
  connect(send: Send): Connection {
    this.current?.dispose();
    const connection = new Connection(this, send, () => {
      if (this.current === connection) this.current = undefined;
    });
    this.current = connection;
    this.ptys.value?.forgiveUnacked();
    return connection;
  }

  /**
   * Sends an event to the current connection. Without one it is lost, which costs a
   * terminal nothing: its screen and scrollback are in its headless xterm.
   */
  send(header: AgentEvent, body?: Uint8Array): void {
    this.current?.send(header, body);
  }

  /** Synchronous, as before terminals loaded lazily: no terminal exists before they load. */
  terminal(ptyId: string) {
    const ptys = this.ptys.value;
    if (!ptys) throw new AgentFailure('TERMINAL_NOT_FOUND', `no terminal ${ptyId}`);
    return ptys.get(ptyId);
  }

  /** Stops every process, watch and listener the agent started. */
  dispose(): void {
    this.current?.dispose();
    this.ptys.dispose();
    this.egress?.dispose();
  }
}
