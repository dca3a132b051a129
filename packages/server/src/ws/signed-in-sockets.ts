/**
 * Every open socket with the session that opened it, so that the end of a session (sign-out,
 * a password change signing out the other sessions, the account being disabled) closes its
 * sockets: at once when it ends on this server, which the auth service reports, and within
 * a recheck when another process ended it (another replica, the CLI), which the registry
 * learns by asking the database which of its sessions still stand.
 */
import { SIGNED_OUT_CLOSE_CODE } from '@workcell/protocol';
import type { FastifyBaseLogger } from 'fastify';

import type { AuthenticatedUser, AuthService } from '../auth/service';

export interface ClosableSocket {
  close(code: number, reason: string): void;
}

const SIGNED_OUT_REASON = 'Signed out: sign in again to continue.';

export class SignedInSockets implements Disposable {
  private readonly sockets = new Map<ClosableSocket, AuthenticatedUser>();
  private readonly stopListening: () => void;
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly auth: AuthService,
    private readonly log: FastifyBaseLogger,
    recheckMs: number,
  ) {
    this.stopListening = auth.onRevoked((revoked) => this.closeWhere(revoked));
    this.timer = setInterval(() => void this.recheck(), recheckMs);
    this.timer.unref();
  }

  /** Tracks `socket` until the returned function is called (when it closes). */
  add(caller: AuthenticatedUser, socket: ClosableSocket): () => void {
    this.sockets.set(socket, caller);
    return () => this.sockets.delete(socket);
  }

  [Symbol.dispose](): void {
    this.stopListening();
    clearInterval(this.timer);
  }

  private closeWhere(revoked: (caller: AuthenticatedUser) => boolean): void {
    for (const [socket, caller] of this.sockets) {
      if (!revoked(caller)) continue;
      this.sockets.delete(socket);
      socket.close(SIGNED_OUT_CLOSE_CODE, SIGNED_OUT_REASON);
    }
  }

  private async recheck(): Promise<void> {
    if (this.checking || this.sockets.size === 0) return;
    this.checking = true;
    try {
      const checked = new Set([...this.sockets.values()].map((caller) => caller.tokenId));
      const valid = await this.auth.stillValid([...checked]);
      this.closeWhere((caller) => checked.has(caller.tokenId) && !valid.has(caller.tokenId));
    } catch (error) {
      // The database is away: sessions stand until it can say otherwise.
      this.log.warn({ err: error }, 'could not recheck the sessions of open sockets');
    } finally {
      this.checking = false;
    }
  }
}
