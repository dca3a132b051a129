/**
 * Whether a cell may connect to `host:port`, and to which address. The server resolves
 * the name itself and hands back the address it checked, which is the one connected to:
 * a second lookup could answer differently (DNS rebinding) and reach what the first
 * check refused.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

import { classifyAddress } from './addresses';
import { normalizeHost, type AllowList } from './allow-list';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Every address of a name (dns.lookup with `all`), injectable for tests. */
export type Lookup = (host: string) => Promise<ResolvedAddress[]>;

export type EgressDecision =
  | { allowed: true; address: string; family: number }
  | { allowed: false; code: 'EGRESS_REFUSED' | 'EGRESS_UNREACHABLE'; reason: string };

const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

export class EgressPolicy {
  constructor(
    private readonly allow: AllowList,
    private readonly lookup: Lookup = systemLookup,
    /** The server's own addresses, which only an exact entry may reach. */
    private readonly ownAddresses: () => Set<string> = interfaceAddresses,
  ) {}

  async check(host: string, port: number): Promise<EgressDecision> {
    const name = normalizeHost(host);
    const target = `${name}:${port}`;
    const entry = this.allow.match(name, port);
    if (!entry) {
      return refused(
        isIP(name) === 0
          ? `${target} is not on the egress allow-list`
          : `${target} is an IP address; addresses are refused unless the allow-list names them`,
      );
    }
    if (isIP(name) !== 0) return { allowed: true, address: name, family: isIP(name) };
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.lookup(name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'an error';
      return {
        allowed: false,
        code: 'EGRESS_UNREACHABLE',
        reason: `${name} did not resolve (${code})`,
      };
    }
    const first = addresses[0];
    if (!first) {
      return { allowed: false, code: 'EGRESS_UNREACHABLE', reason: `${name} has no address` };
    }
    if (entry.exact) return { allowed: true, ...first };
    // Every address, not only the one used: a name answering with a public and a private
    // address would otherwise be one retry away from the private one.
    const own = this.ownAddresses();
    for (const { address } of addresses) {
      const kind = classifyAddress(address);
      const what = own.has(address)
        ? "one of the server's own addresses"
        : kind && `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address`;
      if (what !== undefined) {
        return refused(
          `${name} resolves to ${address}, ${what}; only an allow-list entry naming ${target} exactly may reach it`,
        );
      }
    }
    return { allowed: true, ...first };
  }
}

function refused(reason: string): EgressDecision {
  return { allowed: false, code: 'EGRESS_REFUSED', reason };
}

function interfaceAddresses(): Set<string> {
  return new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((info) => info?.address)
      .filter((address) => address !== undefined),
  );
}
