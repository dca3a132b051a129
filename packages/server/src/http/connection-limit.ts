/**
 * At most `max` open connections (WebSockets included) from one client address: beyond it
 * a new connection is closed before a byte of it is read, so one client cannot hold all of
 * the server's sockets and file descriptors. Counted on the sockets themselves, behind any
 * proxy that is the proxy's address: configure the proxy's own limit there.
 */
import type { Server, Socket } from 'node:net';

/** The count itself, for a server whose connections end in other processes (processes/). */
export class ConnectionsPerAddress {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more connection from `address`, or answers false when it is one too many. */
  admit(address: string): boolean {
    const count = (this.open.get(address) ?? 0) + 1;
    if (count > this.max) return false;
    this.open.set(address, count);
    return true;
  }

  release(address: string): void {
    const left = (this.open.get(address) ?? 1) - 1;
    if (left === 0) this.open.delete(address);
    else this.open.set(address, left);
  }
}

export function limitConnectionsPerAddress(server: Server, max: number): void {
  const limit = new ConnectionsPerAddress(max);
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (!limit.admit(address)) {
      socket.destroy();
      return;
    }
    socket.once('close', () => limit.release(address));
  });
}
