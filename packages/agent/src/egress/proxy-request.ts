/**
 * What a program in the cell asks the egress proxy for, read from its request head:
 * `CONNECT host:port` (a tunnel, for HTTPS) or a plain HTTP request with an absolute URI
 * (`GET http://host/path`), which goes on to the host in origin form. Everything else is
 * refused here, before anything reaches the server.
 */
import { AgentFailure } from '../failure';

/** A request head longer than this is refused (pip's are a few hundred bytes). */
export const MAX_HEAD_BYTES = 16 * 1024;

export interface ProxyRequest {
  host: string;
  port: number;
  /** CONNECT: the client waits for `200` before it speaks. */
  tunnel: boolean;
  /** What the stream carries first: the rewritten request head (plain HTTP) or nothing. */
  head: Buffer;
}

/** Hop-by-hop headers meant for the proxy; the request goes on with `Connection: close`. */
const PROXY_HEADERS = new Set([
  'proxy-connection',
  'proxy-authorization',
  'connection',
  'keep-alive',
]);

/**
 * Parses a head (up to and including its blank line). Throws AgentFailure
 * VALIDATION_FAILED for anything that is not a proxy request this proxy serves.
 */
export function parseProxyRequest(head: string): ProxyRequest {
  const [requestLine = '', ...headerLines] = head.split('\r\n').filter((line) => line !== '');
  const match = /^([A-Z]{1,16}) (\S{1,8192}) (HTTP\/1\.[01])$/.exec(requestLine);
  if (!match) throw invalid('the request line is not HTTP/1.x');
  const [, method = '', target = '', version = ''] = match;
  if (method === 'CONNECT') return { ...authority(target), tunnel: true, head: Buffer.alloc(0) };
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw invalid(`${method} needs an absolute http:// URI, not ${target.slice(0, 100)}`);
  }
  if (url.protocol !== 'http:') {
    throw invalid(`only http:// is proxied as a request; use CONNECT for ${url.protocol}//`);
  }
  // A line without a name is no header: dropped rather than passed on for the host to read.
  const kept = headerLines.filter((line) => {
    const colon = line.indexOf(':');
    return colon > 0 && !PROXY_HEADERS.has(line.slice(0, colon).trim().toLowerCase());
  });
  const lines = [`${method} ${url.pathname}${url.search} ${version}`, ...kept, 'Connection: close'];
  return {
    host: bare(url.hostname),
    port: url.port === '' ? 80 : Number(url.port),
    tunnel: false,
    head: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'),
  };
}

/** `host:port` or `[v6]:port`, as CONNECT names it. */
function authority(target: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw invalid(`CONNECT needs host:port, not ${target}`);
  return { host: match[1] ?? match[2]!, port };
}

/** URL keeps an IPv6 host in brackets. */
function bare(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

function invalid(message: string): AgentFailure {
  return new AgentFailure('VALIDATION_FAILED', message.slice(0, 300));
}
