/**
 * A PEP 503 package index on this host's loopback, serving pure-Python wheels made here
 * byte by byte, for tests of pip in cells (nothing here reaches PyPI). Every request it
 * answers is counted, so a test can tell that a refused connection never arrived.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { entry, rawZip } from './raw-zip';

export interface PackageIndex {
  port: number;
  /** Requests answered so far, as `METHOD path`. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A wheel of the module `name` (version 0.1) whose `__init__.py` sets `VALUE`. pip checks
 * the RECORD's hashes, so they are real.
 */
export function buildWheel(name: string, value: string): { file: string; bytes: Buffer } {
  const info = `${name}-0.1.dist-info`;
  const files: [string, string][] = [
    [`${name}/__init__.py`, `VALUE = ${JSON.stringify(value)}\n`],
    [`${info}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: 0.1\n`],
    [
      `${info}/WHEEL`,
      'Wheel-Version: 1.0\nGenerator: workcell-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    ],
  ];
  const record = files
    .map(
      ([path, content]) =>
        `${path},sha256=${digest(content, 'base64url')},${Buffer.byteLength(content)}`,
    )
    .concat(`${info}/RECORD,,`)
    .join('\n');
  files.push([`${info}/RECORD`, `${record}\n`]);
  const bytes = rawZip(files.map(([path, content]) => entry(path, content)));
  return { file: `${name}-0.1-py3-none-any.whl`, bytes };
}

/**
 * Serves `files` at `/files/<file>` and, for the wheels among them, `/simple/<name>/`
 * (text/html, as pip requires) linking to them.
 */
export async function startPackageIndex(files: Record<string, Buffer>): Promise<PackageIndex> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(`${request.method} ${path}`);
    const page = /^\/simple\/([a-z0-9-]+)\/$/.exec(path);
    const served = Object.entries(files).find(([file]) => path === `/files/${file}`);
    if (page) {
      const links = Object.entries(files)
        .filter(
          ([file]) => file.endsWith('.whl') && file.startsWith(`${page[1]!.replace(/-/g, '_')}-`),
        )
        .map(
          ([file, bytes]) => `<a href="/files/${file}#sha256=${digest(bytes, 'hex')}">${file}</a>`,
        );
      if (links.length === 0) return response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!DOCTYPE html><html><body>${links.join('\n')}</body></html>\n`);
    } else if (served) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(served[1]);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function digest(content: string | Buffer, encoding: 'hex' | 'base64url'): string {
  return createHash('sha256').update(content).digest(encoding);
}
