/**
 * Addresses a cell must not reach through a name it merely matched on the allow-list:
 * whatever is inside the server's network (loopback, private and shared ranges, the
 * cloud metadata service, link-local) and whatever is no real destination. A name that
 * resolves to one is refused unless the allow-list names that exact host and port
 * (policy.ts): that is how an operator lets cells reach a mirror on the private network.
 */
import { BlockList, isIPv4 } from 'node:net';

/** Why an address is special, in words for the log and the refusal. */
export type AddressClass =
  | 'metadata'
  | 'loopback'
  | 'private'
  | 'shared (CGNAT)'
  | 'link-local'
  | 'unique-local'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

type Range = [network: string, prefix: number];

// First match wins: the metadata addresses lie inside link-local and unique-local.
const RANGES: [AddressClass, 'ipv4' | 'ipv6', Range[]][] = [
  ['metadata', 'ipv4', [['169.254.169.254', 32]]],
  ['metadata', 'ipv6', [['fd00:ec2::254', 128]]],
  ['unspecified', 'ipv4', [['0.0.0.0', 8]]],
  ['loopback', 'ipv4', [['127.0.0.0', 8]]],
  [
    'private',
    'ipv4',
    [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
    ],
  ],
  ['shared (CGNAT)', 'ipv4', [['100.64.0.0', 10]]],
  ['link-local', 'ipv4', [['169.254.0.0', 16]]],
  ['multicast', 'ipv4', [['224.0.0.0', 4]]],
  [
    'reserved',
    'ipv4',
    [
      ['192.0.0.0', 24],
      ['192.0.2.0', 24],
      ['198.18.0.0', 15],
      ['198.51.100.0', 24],
      ['203.0.113.0', 24],
      ['240.0.0.0', 4],
    ],
  ],
  ['unspecified', 'ipv6', [['::', 128]]],
  ['loopback', 'ipv6', [['::1', 128]]],
  ['link-local', 'ipv6', [['fe80::', 10]]],
  ['unique-local', 'ipv6', [['fc00::', 7]]],
  ['multicast', 'ipv6', [['ff00::', 8]]],
  [
    'reserved',
    'ipv6',
    [
      ['100::', 64],
      ['2001:db8::', 32],
    ],
  ],
];

const LISTS = RANGES.map(([kind, family, ranges]) => {
  const list = new BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, family);
  return { kind, family, list };
});

/**
 * IPv6 forms that carry an IPv4 address a packet may end up at: IPv4-mapped
 * (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
 */
const EMBEDDING = new BlockList();
EMBEDDING.addSubnet('::ffff:0:0', 96, 'ipv6');
EMBEDDING.addSubnet('64:ff9b::', 96, 'ipv6');

/** The class of a special address, or undefined for an ordinary public one. */
export function classifyAddress(address: string): AddressClass | undefined {
  const ipv4 = isIPv4(address) ? address : embeddedIPv4(address);
  const family = ipv4 === undefined ? 'ipv6' : 'ipv4';
  const subject = ipv4 ?? address;
  return LISTS.find((entry) => entry.family === family && entry.list.check(subject, family))?.kind;
}

function embeddedIPv4(address: string): string | undefined {
  if (!EMBEDDING.check(address, 'ipv6')) return undefined;
  const words = expandIPv6(address).slice(6);
  const [high = 0, low = 0] = words;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit words of an IPv6 address (a dotted IPv4 tail included). */
function expandIPv6(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
