/**
 * Ending terminals on the server when their tabs close: at once when connected, else at
 * the next connection (the shell would otherwise run on unseen).
 */
import type { SessionSocket, TerminalTab } from './session';

/** Used to open (and at once close) a terminal that has no screen. */
const HEADLESS_SIZE = { cols: 80, rows: 24 };

export class ServerCloses {
  /** Terminals closed while offline: their shells are ended at the next connection. */
  private readonly later = new Set<string>();

  constructor(
    private readonly workspace: string,
    private readonly socket: SessionSocket,
  ) {}

  /** The tab closed: ends its shell or run, now or once connected. */
  close({ id, status, run }: TerminalTab): void {
    const connected = this.socket.state === 'connected';
    if (status !== 'exited') {
      if (connected && (status === 'attached' || status === 'opening'))
        this.socket.send({ type: 'terminal.close', terminalId: id });
      else this.later.add(id);
    } else if (run && connected) {
      // The server keeps an ended run's output for its tab (a reload shows it) until this.
      this.socket.send({ type: 'terminal.close', terminalId: id });
    }
    if (connected) this.flush();
  }

  /** Connected again: ends what was closed meanwhile. */
  flush(): void {
    for (const terminalId of this.later) {
      // The server closes only terminals this connection is attached to.
      this.socket.send({
        type: 'terminal.open',
        workspace: this.workspace,
        terminalId,
        ...HEADLESS_SIZE,
      });
      this.socket.send({ type: 'terminal.close', terminalId });
    }
    this.later.clear();
  }
}
