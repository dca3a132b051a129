/**
 * Recent connections the egress proxy refused, for the admin view. Kept in memory by each
 * replica (its own proxy's refusals, lost on restart): a glance at what cells are trying,
 * not a record; the proxy's log is that.
 */
import type { EgressRefusal } from '@workcell/protocol';

const KEPT = 200;

const refusals: EgressRefusal[] = [];
let next = 0;

/** Called by the egress proxy for each connection it refuses. */
export function recordEgressRefusal(refusal: Omit<EgressRefusal, 'at'>, at = new Date()): void {
  const entry = { ...refusal, at: at.toISOString() };
  if (refusals.length < KEPT) refusals.push(entry);
  else refusals[next] = entry;
  next = (next + 1) % KEPT;
}

/** Newest first. */
export function recentEgressRefusals(): EgressRefusal[] {
  return [...refusals.slice(next), ...refusals.slice(0, next)].reverse();
}
