/**
 * Egress end to end: real cells, real pip, a package index on this host's loopback. The
 * index's name (`pypi.test`) and a name of a private address (`private.test`) come from
 * the lookup the server is given; everything else is the real thing. Each refusal is
 * checked as a program in the cell sees it.
 */
import { networkInterfaces } from 'node:os';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { recentEgressRefusals } from '../admin/egress-refusals';
import { buildWheel, startPackageIndex, type PackageIndex } from '../test-support/package-index';
import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import type { Lookup } from './policy';

const TEST_TIMEOUT_MS = 180_000;
const BYTES_PER_MINUTE = 1024 * 1024;

const names: Record<string, string> = { 'pypi.test': '127.0.0.1', 'private.test': '10.0.0.7' };
const lookup: Lookup = async (host) => {
  const address = names[host];
  if (address === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

/** Python that asks the cell's proxy for `request` and prints the whole answer. */
const askProxy = (request: string) => `
import socket
s = socket.create_connection(('127.0.0.1', 3128), timeout=30)
s.sendall(${JSON.stringify(request)}.encode())
data = b''
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode())
`;

/** Runs Python in the cell (pip's output is long: the ends of both streams are printed). */
async function python(
  server: LiveServer,
  user: LiveUser,
  workspace: string,
  code: string,
): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  const response = await server.api(user, 'POST', `/api/workspace/${workspace}/run`, {
    code,
    timeoutMs: 120_000,
  });
  expect(response.status, response.bytes.toString()).toBe(200);
  return response.json as { stdout: string; stderr: string; exitCode: number | null };
}

const pipInstall = (...args: string[]) => `
import subprocess, sys
r = subprocess.run([${args.map((a) => JSON.stringify(a)).join(', ')}], capture_output=True, text=True)
print(r.returncode)
print(r.stdout[-3000:])
print(r.stderr[-3000:])
`;

describe('egress through the allow-listed proxy', { timeout: TEST_TIMEOUT_MS }, () => {
  let index: PackageIndex;
  let server: LiveServer;
  let user: LiveUser;
  let workspace: string;

  beforeAll(async () => {
    const wheel = buildWheel('tinypkg', 'from the test index');
    index = await startPackageIndex({
      [wheel.file]: wheel.bytes,
      'big.bin': Buffer.alloc(2 * BYTES_PER_MINUTE, 7),
    });
    server = await startLiveServer(
      'egress',
      {
        CELL_EGRESS_ALLOW: `pypi.test:${index.port},private.test`,
        CELL_PIP_INDEX_URL: `http://pypi.test:${index.port}/simple/`,
        CELL_EGRESS_BYTES_PER_MINUTE: String(BYTES_PER_MINUTE),
      },
      { egressLookup: lookup },
    );
    user = await server.registerUser('egress');
    workspace = await server.createWorkspace(user);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await server?.close();
    await index?.close();
  });

  it('pip install --user works through the proxy, and the package outlives a restart', async () => {
    const installed = await python(
      server,
      user,
      workspace,
      pipInstall('python3', '-m', 'pip', 'install', '--user', 'tinypkg'),
    );
    expect(installed.stdout, installed.stderr).toMatch(
      /^0\n[\s\S]*Successfully installed tinypkg-0\.1/,
    );
    expect(index.requests).toContain('GET /simple/tinypkg/');
    const imported = 'import tinypkg; print(tinypkg.VALUE, tinypkg.__file__)';
    expect((await python(server, user, workspace, imported)).stdout).toBe(
      'from the test index /app/.local/lib/python3.11/site-packages/tinypkg/__init__.py\n',
    );
    const stopped = await server.api(user, 'POST', `/api/workspace/${workspace}/shutdown`);
    expect(stopped.status).toBe(200);
    expect((await python(server, user, workspace, imported)).stdout).toMatch(
      /^from the test index /,
    );
  });

  it('a venv in /app installs through the proxy too', async () => {
    const venv = await python(
      server,
      user,
      workspace,
      `${pipInstall('python3', '-m', 'venv', '/app/.venv')}
${pipInstall('/app/.venv/bin/pip', 'install', 'tinypkg')}
${pipInstall('/app/.venv/bin/python', '-c', 'import tinypkg, sys; print(sys.prefix)')}`,
    );
    expect(venv.stdout).toMatch(
      /^0\n[\s\S]*\n0\n[\s\S]*Successfully installed tinypkg[\s\S]*\n0\n\/app\/\.venv\n/,
    );
  });

  it('refuses a host not on the list, a listed name of a private address and an IP literal', async () => {
    const cases: [string, RegExp][] = [
      ['example.invalid:443', /example\.invalid:443 is not on the egress allow-list/],
      ['private.test:443', /resolves to 10\.0\.0\.7, a private address/],
      [`127.0.0.1:${index.port}`, /is an IP address; addresses are refused unless the allow-list/],
    ];
    const before = index.requests.length;
    for (const [target, reason] of cases) {
      const { stdout } = await python(
        server,
        user,
        workspace,
        askProxy(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`),
      );
      expect(stdout).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
      expect(stdout).toMatch(/EGRESS_REFUSED: /);
      expect(stdout).toMatch(reason);
    }
    // What urllib shows a user: the proxy's refusal as an HTTP error.
    const urllib = await python(
      server,
      user,
      workspace,
      `
import urllib.request, urllib.error
try:
    urllib.request.urlopen('http://example.invalid/', timeout=30)
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
`,
    );
    expect(urllib.stdout).toMatch(
      /^403 EGRESS_REFUSED: example\.invalid:80 is not on the egress allow-list/,
    );
    expect(index.requests.length).toBe(before);
    // Operators see them: counted in the metrics, listed in the admin view.
    const counted = await server.services.metrics.registry
      .getSingleMetric('workcell_egress_connections_total')!
      .get();
    expect(counted.values.find((v) => v.labels.result === 'refused')?.value).toBeGreaterThanOrEqual(
      4,
    );
    expect(recentEgressRefusals()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ workspaceId: workspace, host: 'example.invalid', port: 443 }),
      ]),
    );
  });

  it('has no route past its loopback for a direct socket', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((info) => info?.family === 'IPv4' && !info.internal)?.address;
    const { stdout } = await python(
      server,
      user,
      workspace,
      `
import socket
for host, port in [(${JSON.stringify(external ?? '192.0.2.1')}, ${index.port}), ('1.1.1.1', 443), ('127.0.0.1', ${index.port})]:
    try:
        socket.create_connection((host, port), timeout=5)
        print('connected')
    except OSError as e:
        print(type(e).__name__)
`,
    );
    expect(stdout).toBe('OSError\nOSError\nConnectionRefusedError\n');
  });

  it('refuses the connection past CELL_EGRESS_MAX_CONNECTIONS (16)', async () => {
    const { stdout } = await python(
      server,
      user,
      workspace,
      `
import socket
def connect():
    s = socket.create_connection(('127.0.0.1', 3128), timeout=30)
    s.sendall(b'CONNECT pypi.test:${index.port} HTTP/1.1\\r\\n\\r\\n')
    data = b''
    while b'\\r\\n\\r\\n' not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return s, data.decode()
held = [connect() for _ in range(16)]
print(sum(1 for _, answer in held if answer.startswith('HTTP/1.1 200')))
s, answer = connect()
print(answer + s.recv(4096).decode())
`,
    );
    expect(stdout).toMatch(/^16\nHTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(stdout).toMatch(/RATE_LIMITED: the cell has 16 connections open, its limit/);
  });

  // Last: it spends the cell's bytes for this minute.
  it('ends a download past CELL_EGRESS_BYTES_PER_MINUTE and refuses more', async () => {
    // A fresh cell's budget: its minute has just begun, so it cannot turn mid-test.
    expect((await server.api(user, 'POST', `/api/workspace/${workspace}/shutdown`)).status).toBe(
      200,
    );
    const { stdout } = await python(
      server,
      user,
      workspace,
      `
import urllib.request, urllib.error
url = 'http://pypi.test:${index.port}/files/big.bin'
try:
    print(len(urllib.request.urlopen(url, timeout=30).read()))
except Exception as e:
    print(type(e).__name__)
try:
    urllib.request.urlopen(url, timeout=30)
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
`,
    );
    expect(stdout).toMatch(/^IncompleteRead\n429 RATE_LIMITED: the cell used its 1048576 bytes/);
  });
});

describe('without CELL_EGRESS_ALLOW', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: LiveServer;

  beforeAll(async () => {
    server = await startLiveServer('no-egress');
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await server?.close();
  });

  it('the cell has no proxy, no proxy settings, and pip fails fast', async () => {
    const user = await server.registerUser('closed');
    const workspace = await server.createWorkspace(user);
    const { stdout } = await python(
      server,
      user,
      workspace,
      `
import os, socket, subprocess, sys, time
print(os.environ.get('HTTPS_PROXY'), os.environ.get('PIP_INDEX_URL'))
try:
    socket.create_connection(('127.0.0.1', 3128), timeout=5)
except OSError as e:
    print(type(e).__name__)
started = time.monotonic()
r = subprocess.run([sys.executable, '-m', 'pip', 'install', '--retries', '0', 'tinypkg'], capture_output=True, text=True)
print(r.returncode, time.monotonic() - started < 60)
`,
    );
    expect(stdout).toBe('None None\nConnectionRefusedError\n1 True\n');
  });
});
