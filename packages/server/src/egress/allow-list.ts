/**
 * CELL_EGRESS_ALLOW: where cells may connect, as comma-separated `host[:port]` entries.
 *
 * - `pypi.org:443` names one host; without a port an entry means 443 (HTTPS, what pip
 *   and most package indexes use). Names compare case-insensitively, a final dot ignored.
 * - `*.example.com:443` names every host under example.com (not example.com itself).
 * - `10.1.2.3:8080` or `[fd00::1]:3128` names an IP literal: a cell may name an address
 *   only when the list names that very address and port.
 *
 * An entry naming one host and its port (`pypi.internal:443`, not `pypi.internal` nor a
 * wildcard) is *exact*: only an exact entry lets a name through to a loopback, private,
 * link-local or metadata address (policy.ts). Writing the port is the operator saying
 * "this very service", as an address must be named to be reached.
 */
import { isIP } from 'node:net';

export const DEFAULT_EGRESS_PORT = 443;

export interface AllowEntry {
  /** Lower-case; for a wildcard the suffix with its dot (`.example.com`); IPs canonical. */
  host: string;
  port: number;
  wildcard: boolean;
  exact: boolean;
}

export class AllowList {
  constructor(readonly entries: readonly AllowEntry[]) {}

  static parse(text: string): AllowList {
    const items = text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    return new AllowList(items.map(parseEntry));
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** The entry that lets `host:port` through (an exact one first), if any. */
  match(host: string, port: number): AllowEntry | undefined {
    const name = normalizeHost(host);
    const literal = isIP(name) !== 0;
    const candidates = this.entries.filter(
      (entry) =>
        entry.port === port &&
        (entry.wildcard ? !literal && name.endsWith(entry.host) : entry.host === name),
    );
    return candidates.find((entry) => entry.exact) ?? candidates[0];
  }
}

/** Lower-case, no final dot; an IP literal in its canonical form (so `::0:1` is `::1`). */
export function normalizeHost(host: string): string {
  const name = host.toLowerCase().replace(/\.$/, '');
  return isIP(name) === 6 ? new URL(`http://[${name}]`).hostname.slice(1, -1) : name;
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

function parseEntry(item: string): AllowEntry {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(item);
  const explicit = match?.[3] !== undefined;
  const port = explicit ? Number(match[3]) : DEFAULT_EGRESS_PORT;
  if (!match || port < 1 || port > 65535) throw invalidEntry(item, 'not host[:port]');
  const bracketed = match[1];
  if (bracketed !== undefined) {
    if (isIP(bracketed) !== 6) throw invalidEntry(item, 'not an IPv6 address in brackets');
    return { host: normalizeHost(bracketed), port, wildcard: false, exact: true };
  }
  const host = normalizeHost(match[2]!);
  if (isIP(host) === 4) return { host, port, wildcard: false, exact: true };
  const wildcard = host.startsWith('*.');
  const labels = (wildcard ? host.slice(2) : host).split('.');
  // A wildcard over a single label (`*.com`) would open a whole top-level domain.
  if (!labels.every((label) => LABEL.test(label)) || (wildcard && labels.length < 2)) {
    throw invalidEntry(item, 'not a host name, *.domain or IP address');
  }
  return { host: wildcard ? host.slice(1) : host, port, wildcard, exact: !wildcard && explicit };
}

function invalidEntry(item: string, why: string): Error {
  return new Error(`${JSON.stringify(item)} is ${why}`);
}
