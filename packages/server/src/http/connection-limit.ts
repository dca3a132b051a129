/**
 * At most `max` open connections (WebSockets included) from one client address: beyond it
 * a new connection is closed before a byte of it is read, so one client cannot hold all of
 * the server's sockets and file descriptors. Counted on the sockets themselves, behind any
 * proxy that is the proxy's address: configure the proxy's own limit there.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export function limitConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
