/**
 * In a worker server process, the routes that belong to the primary (cells, sign-in and
 * its throttling, administration, metrics) are relayed to it over its private socket, as
 * they came, with the client's address appended to X-Forwarded-For; the primary believes
 * that header from its socket only (`trustForwardedFromWorkers`).
 */
import { Agent, request as httpRequest } from 'node:http';

import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import proxyAddr from '@fastify/proxy-addr';

import { WorkcellError } from '../errors';

/** Hop-by-hop headers: they describe one connection, not the request or the response. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te']);

const relayed = new WeakSet<FastifyRequest>();

/** Whether the request went to the primary, which answered it (and counts it in metrics). */
export const wasRelayed = (request: FastifyRequest) => relayed.has(request);

export function forwardToPrimary(socketPath: string): onRequestHookHandler {
  const agent = new Agent({ keepAlive: true });
  return (request: FastifyRequest, reply: FastifyReply, done) => {
    relayed.add(request);
    reply.hijack();
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const client = request.socket.remoteAddress ?? '';
    const before = request.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = before ? `${String(before)}, ${client}` : client;
    const upstream = httpRequest({
      socketPath,
      agent,
      method: request.method,
      path: request.raw.url,
      headers,
    });
    upstream.on('response', (response) => {
      const raw: string[] = [];
      for (let i = 0; i < response.rawHeaders.length; i += 2) {
        const name = response.rawHeaders[i]!;
        if (!HOP_BY_HOP.has(name.toLowerCase())) raw.push(name, response.rawHeaders[i + 1]!);
      }
      reply.raw.writeHead(response.statusCode ?? 502, raw);
      response.pipe(reply.raw);
      response.on('error', () => reply.raw.destroy());
    });
    upstream.on('error', (error) => {
      request.log.error({ err: error }, 'the primary server process did not answer');
      if (reply.raw.headersSent) {
        reply.raw.destroy();
        return;
      }
      const failure = new WorkcellError('SERVER_UNAVAILABLE');
      reply.raw.writeHead(failure.status, { 'content-type': 'application/json; charset=utf-8' });
      reply.raw.end(JSON.stringify(failure.toBody()));
    });
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) upstream.destroy();
    });
    request.raw.pipe(upstream);
    done();
  };
}

/**
 * The primary's `trustProxy`: a connection on its private socket (no address) is a worker,
 * whose X-Forwarded-For ends with the client's address; beyond that hop, the configured
 * proxies, as in a single process.
 */
export function trustForwardedFromWorkers(
  proxies: string[] | undefined,
): (address: string, hop: number) => boolean {
  const trusted = proxyAddr.compile(proxies ?? []);
  return (address, hop) => (hop === 0 && !address) || (!!address && trusted(address, hop));
}
