/**
 * Growing delays after failed sign-ins, per key (a client address, or an address and a
 * username). The first `free` failures cost nothing; each one after that doubles the wait
 * before the next attempt is heard, up to `maxMs`. A key is forgotten `maxMs` after its
 * last failure, or by a success. Nothing here locks an account: a key names the attacker's
 * address, so the owner signing in from elsewhere is never kept out.
 */
export interface BackoffPolicy {
  free: number;
  baseMs: number;
  maxMs: number;
  /** Keys remembered at most; the least recently failed is forgotten first. */
  maxKeys: number;
}

interface Failures {
  count: number;
  last: number;
  until: number;
}

export class FailureBackoff {
  private readonly keys = new Map<string, Failures>();

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long `key` must still wait before its next attempt is heard; 0: go ahead. */
  waitMs(key: string): number {
    const entry = this.current(key);
    return entry ? Math.max(0, entry.until - this.now()) : 0;
  }

  failed(key: string): void {
    const now = this.now();
    const count = (this.current(key)?.count ?? 0) + 1;
    const over = count - this.policy.free;
    const delay = over <= 0 ? 0 : Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** (over - 1));
    // Re-inserted, so the map stays ordered by last failure for eviction.
    this.keys.delete(key);
    this.keys.set(key, { count, last: now, until: now + delay });
    if (this.keys.size > this.policy.maxKeys) this.keys.delete(this.keys.keys().next().value!);
  }

  succeeded(key: string): void {
    this.keys.delete(key);
  }

  private current(key: string): Failures | undefined {
    const entry = this.keys.get(key);
    if (entry && this.now() - entry.last > this.policy.maxMs) {
      this.keys.delete(key);
      return undefined;
    }
    return entry;
  }
}
