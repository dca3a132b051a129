/**
 * Answers from the database remembered for a while, so that a hot path asks once per
 * `ms` instead of once per request. Each entry holds until its own time; at most
 * `capacity` are kept, the oldest forgotten first.
 *
 * A lookup that overlapped a `forget` is not remembered: take a `mark()` before the query
 * and pass it to `remember`, so an answer read before a change cannot outlive the change.
 */
export class Remembered<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();
  /** Bumped by every forget; a mark from before one is stale. */
  private forgets = 0;

  constructor(
    private readonly ms: number,
    private readonly capacity: number,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  mark(): number {
    return this.forgets;
  }

  /** Remembers `value` for `ms`, or until `notAfter` (a Date.now() time) if sooner. */
  remember(mark: number, key: K, value: V, notAfter = Infinity): void {
    if (this.ms <= 0 || mark !== this.forgets) return;
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: Math.min(Date.now() + this.ms, notAfter) });
  }

  /** Forgets the entries whose key and value `match`, and makes every earlier mark stale. */
  forget(match: (value: V, key: K) => boolean): void {
    this.forgets += 1;
    for (const [key, { value }] of this.entries) if (match(value, key)) this.entries.delete(key);
  }
}
