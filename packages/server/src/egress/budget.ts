/**
 * One cell's egress limits: connections open at once (CELL_EGRESS_MAX_CONNECTIONS) and
 * bytes per minute, both directions together (CELL_EGRESS_BYTES_PER_MINUTE), counted in
 * fixed one-minute windows. A cell past its bytes has its connections ended and new ones
 * refused until the next window.
 */
export interface BudgetLimits {
  maxConnections: number;
  bytesPerMinute: number;
}

const MINUTE_MS = 60_000;

export class EgressBudget {
  private connections = 0;
  private windowStart: number;
  private spent = 0;

  constructor(
    private readonly limits: BudgetLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  /** Why a new connection may not open now, or undefined after counting it open. */
  open(): string | undefined {
    if (this.connections >= this.limits.maxConnections) {
      return `the cell has ${this.limits.maxConnections} connections open, its limit`;
    }
    this.roll();
    if (this.spent >= this.limits.bytesPerMinute) return this.spentReason();
    this.connections++;
    return undefined;
  }

  /** A connection counted by `open` has ended. */
  closed(): void {
    this.connections = Math.max(0, this.connections - 1);
  }

  /** Counts bytes moved; false once the minute's budget is spent (they were the last). */
  spend(bytes: number): boolean {
    this.roll();
    this.spent += bytes;
    return this.spent <= this.limits.bytesPerMinute;
  }

  spentReason(): string {
    return `the cell used its ${this.limits.bytesPerMinute} bytes of egress for this minute`;
  }

  /** Starts a new window once a minute has passed since the current one began. */
  private roll(): void {
    const now = this.now();
    if (now - this.windowStart < MINUTE_MS) return;
    this.windowStart = now;
    this.spent = 0;
  }
}
