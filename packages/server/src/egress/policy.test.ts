import { describe, expect, it, test } from 'vitest';

import { classifyAddress } from './addresses';
import { AllowList } from './allow-list';
import { EgressBudget } from './budget';
import { EgressPolicy, type Lookup } from './policy';

describe('the allow-list', () => {
  test.each([
    ['pypi.org', { host: 'pypi.org', port: 443, wildcard: false, exact: false }],
    ['PyPI.org.:443', { host: 'pypi.org', port: 443, wildcard: false, exact: true }],
    [
      '*.pythonhosted.org:8443',
      { host: '.pythonhosted.org', port: 8443, wildcard: true, exact: false },
    ],
    ['10.1.2.3', { host: '10.1.2.3', port: 443, wildcard: false, exact: true }],
    ['[FD00::0:1]:3128', { host: 'fd00::1', port: 3128, wildcard: false, exact: true }],
  ])('%s is an entry', (text, entry) => {
    expect(AllowList.parse(text).entries).toEqual([entry]);
  });

  test.each([
    'pypi.org:0',
    'pypi.org:65536',
    '*.com',
    '*.*.org',
    'a b',
    '[10.0.0.1]:80',
    'fd00::1',
    '-x.org',
    'x.org/path',
  ])('%s is refused', (text) => {
    expect(() => AllowList.parse(text)).toThrow(/is not/);
  });

  it('is empty when unset, and splits on commas', () => {
    expect(AllowList.parse('').empty).toBe(true);
    expect(AllowList.parse(' a.org , b.org:80 ,').entries.map((e) => e.host)).toEqual([
      'a.org',
      'b.org',
    ]);
  });

  it('matches names by port, wildcards below their domain only, literals never by wildcard', () => {
    const list = AllowList.parse('pypi.org,*.example.com:80,*.10.in-addr.test');
    expect(list.match('PYPI.ORG.', 443)?.host).toBe('pypi.org');
    expect(list.match('pypi.org', 80)).toBeUndefined();
    expect(list.match('a.b.example.com', 80)?.wildcard).toBe(true);
    expect(list.match('example.com', 80)).toBeUndefined();
    expect(list.match('badexample.com', 80)).toBeUndefined();
    expect(list.match('1.2.3.4', 443)).toBeUndefined();
  });

  it('prefers an exact entry over a wildcard', () => {
    const list = AllowList.parse('*.corp.test:443,mirror.corp.test:443');
    expect(list.match('mirror.corp.test', 443)?.exact).toBe(true);
  });
});

describe('address classes', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.7', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  test.each([
    '151.101.0.223',
    '172.32.0.1',
    '100.128.0.1',
    '2a04:4e42::223',
    '::ffff:151.101.0.223',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });
});

describe('the policy', () => {
  const dns: Record<string, string[]> = {
    'pypi.org': ['151.101.0.223', '2a04:4e42::223'],
    'mirror.corp.test': ['10.0.0.7'],
    'rebind.example.com': ['151.101.0.1', '169.254.169.254'],
    'own.example.com': ['198.51.99.1'],
  };
  let lookups = 0;
  const lookup: Lookup = async (host) => {
    lookups++;
    const addresses = dns[host];
    if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const policy = (allow: string) =>
    new EgressPolicy(AllowList.parse(allow), lookup, () => new Set(['198.51.99.1']));
  /** Why `allow` refuses `host:port` (EGRESS_REFUSED), or a failed expectation. */
  const refusal = async (allow: string, host: string, port: number) => {
    const decision = await policy(allow).check(host, port);
    expect(decision).toMatchObject({ allowed: false, code: 'EGRESS_REFUSED' });
    return decision.allowed ? '' : decision.reason;
  };

  it('allows a listed name at the first address it resolved to', async () => {
    expect(await policy('pypi.org').check('pypi.org', 443)).toEqual({
      allowed: true,
      address: '151.101.0.223',
      family: 4,
    });
  });

  it('refuses a name not listed without resolving it', async () => {
    const before = lookups;
    expect(await policy('pypi.org').check('evil.org', 443)).toMatchObject({
      allowed: false,
      code: 'EGRESS_REFUSED',
      reason: 'evil.org:443 is not on the egress allow-list',
    });
    expect(await policy('pypi.org').check('pypi.org', 22)).toMatchObject({ allowed: false });
    expect(lookups).toBe(before);
  });

  it('refuses a private address behind a name unless the entry names host and port', async () => {
    expect(await refusal('mirror.corp.test', 'mirror.corp.test', 443)).toMatch(
      /resolves to 10\.0\.0\.7, a private address; only an allow-list entry naming mirror\.corp\.test:443 exactly/,
    );
    expect(await policy('*.corp.test:443').check('mirror.corp.test', 443)).toMatchObject({
      allowed: false,
    });
    expect(await policy('mirror.corp.test:443').check('mirror.corp.test', 443)).toMatchObject({
      allowed: true,
      address: '10.0.0.7',
    });
  });

  it("refuses a name when any of its addresses is special, and the server's own", async () => {
    expect(await refusal('*.example.com', 'rebind.example.com', 443)).toMatch(
      /169\.254\.169\.254, a metadata address/,
    );
    expect(await refusal('*.example.com', 'own.example.com', 443)).toMatch(
      /198\.51\.99\.1, one of the server's own addresses/,
    );
  });

  it('refuses IP literals unless listed exactly, and then takes them as they are', async () => {
    expect(await refusal('pypi.org', '151.101.0.223', 443)).toMatch(/is an IP address/);
    expect(await policy('*.example.com').check('::1', 443)).toMatchObject({ allowed: false });
    expect(await policy('[::1]:8080').check('0:0::1', 8080)).toEqual({
      allowed: true,
      address: '::1',
      family: 6,
    });
    expect(await policy('127.0.0.1:8080').check('127.0.0.1', 8081)).toMatchObject({
      allowed: false,
    });
  });

  it('says a name that does not resolve is unreachable', async () => {
    expect(await policy('gone.example.com').check('gone.example.com', 443)).toMatchObject({
      allowed: false,
      code: 'EGRESS_UNREACHABLE',
      reason: 'gone.example.com did not resolve (ENOTFOUND)',
    });
  });
});

describe('the budget', () => {
  it('counts connections open and bytes per minute', () => {
    let now = 0;
    const budget = new EgressBudget({ maxConnections: 2, bytesPerMinute: 100 }, () => now);
    expect(budget.open()).toBeUndefined();
    expect(budget.open()).toBeUndefined();
    expect(budget.open()).toBe('the cell has 2 connections open, its limit');
    budget.closed();
    expect(budget.spend(60)).toBe(true);
    expect(budget.spend(60)).toBe(false);
    expect(budget.open()).toMatch(/used its 100 bytes of egress for this minute/);
    now = 60_000;
    expect(budget.open()).toBeUndefined();
    expect(budget.spend(100)).toBe(true);
  });
});
