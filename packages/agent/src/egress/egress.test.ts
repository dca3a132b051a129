/**
 * The agent's egress proxy at the frame level: this test plays the server, so it sees
 * what the agent asks for and answers as it likes.
 */
import { connect, type Socket } from 'node:net';

import { NET_FLOW_WINDOW_BYTES } from '@workcell/protocol/agent';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { freePort, startAgent, waitFor, type TestAgent } from '../test-support';
import { parseProxyRequest } from './proxy-request';

describe('proxy requests', () => {
  test('CONNECT names host and port, IPv6 in brackets', () => {
    expect(
      parseProxyRequest('CONNECT pypi.org:443 HTTP/1.1\r\nHost: pypi.org:443\r\n\r\n'),
    ).toEqual({ host: 'pypi.org', port: 443, tunnel: true, head: Buffer.alloc(0) });
    expect(parseProxyRequest('CONNECT [::1]:8080 HTTP/1.1\r\n\r\n')).toMatchObject({
      host: '::1',
      port: 8080,
    });
  });

  test('a plain request goes on in origin form, without proxy headers, closing', () => {
    const request = parseProxyRequest(
      'GET http://example.com:8080/simple/x/?a=1 HTTP/1.1\r\nHost: example.com:8080\r\n' +
        'Proxy-Connection: keep-alive\r\nConnection: keep-alive\r\nProxy-Authorization: x\r\nAccept: */*\r\n\r\n',
    );
    expect(request).toMatchObject({ host: 'example.com', port: 8080, tunnel: false });
    expect(request.head.toString()).toBe(
      'GET /simple/x/?a=1 HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n',
    );
    expect(parseProxyRequest('GET http://[::1]/ HTTP/1.0\r\n\r\n')).toMatchObject({
      host: '::1',
      port: 80,
    });
  });

  test.each([
    'GET / HTTP/1.1\r\n\r\n',
    'GET https://example.com/ HTTP/1.1\r\n\r\n',
    'CONNECT example.com HTTP/1.1\r\n\r\n',
    'CONNECT example.com:0 HTTP/1.1\r\n\r\n',
    'CONNECT example.com:443 HTTP/2\r\n\r\n',
    'hello\r\n\r\n',
  ])('%j is refused', (head) => {
    expect(() => parseProxyRequest(head)).toThrow();
  });
});

describe('the proxy', () => {
  let agent: TestAgent;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    agent = await startAgent({ egressProxyPort: port });
  });
  afterAll(async () => {
    await agent.stop();
  });

  /** A client of the proxy and everything it has received. */
  async function client(head: string): Promise<{ socket: Socket; received: () => string }> {
    const socket = await waitFor(
      () =>
        new Promise<Socket | false>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.once('error', () => resolve(false));
        }),
      'the proxy to listen',
    );
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.write(head);
    return { socket, received: () => received.toString('latin1') };
  }

  const opened = (host: string) =>
    waitFor(
      () => agent.events.find(({ event }) => event.ev === 'net.open' && event.host === host)?.event,
      `net.open of ${host}`,
    ) as Promise<{ ev: 'net.open'; streamId: number; host: string; port: number }>;

  test('a refusal reaches the program as an HTTP error naming the reason', async () => {
    const { socket, received } = await client('CONNECT refused.test:443 HTTP/1.1\r\n\r\n');
    const open = await opened('refused.test');
    expect(open.port).toBe(443);
    agent.send({
      op: 'net.refused',
      streamId: open.streamId,
      error: {
        code: 'EGRESS_REFUSED',
        message: 'refused.test:443 is not on the egress allow-list',
      },
    });
    await waitFor(() => socket.readableEnded || socket.destroyed, 'the proxy to close');
    expect(received()).toMatch(
      /^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*X-Workcell-Error: EGRESS_REFUSED\r\n/,
    );
    expect(received()).toMatch(
      /\r\n\r\nEGRESS_REFUSED: refused\.test:443 is not on the egress allow-list\n$/,
    );
  });

  test('a tunnel carries bytes both ways with flow control, and ends from either side', async () => {
    const { socket, received } = await client('CONNECT open.test:8443 HTTP/1.1\r\n\r\nearly');
    const { streamId } = await opened('open.test');
    agent.send({ op: 'net.opened', streamId });
    agent.send({ op: 'net.data', streamId }, Buffer.from('from the host'));
    await waitFor(() => received().endsWith('from the host'), 'the host bytes');
    expect(received()).toBe('HTTP/1.1 200 Connection Established\r\n\r\nfrom the host');
    // What the program sent with its head comes first.
    const sent = () =>
      Buffer.concat(
        agent.events.flatMap(({ event, body }) =>
          event.ev === 'net.data' && event.streamId === streamId ? [body] : [],
        ),
      );
    await waitFor(() => sent().toString() === 'early', 'the early bytes');
    // Past the window the agent stops reading until acknowledged.
    socket.write(Buffer.alloc(2 * NET_FLOW_WINDOW_BYTES, 1));
    await waitFor(() => sent().length >= NET_FLOW_WINDOW_BYTES, 'a window of data');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent().length).toBeLessThan(2 * NET_FLOW_WINDOW_BYTES);
    agent.send({ op: 'net.ack', streamId, bytes: NET_FLOW_WINDOW_BYTES });
    agent.send({ op: 'net.ack', streamId, bytes: NET_FLOW_WINDOW_BYTES });
    await waitFor(() => sent().length === 2 * NET_FLOW_WINDOW_BYTES + 5, 'the rest');
    // The host is done: the program reads to the end.
    agent.send({ op: 'net.close', streamId });
    await waitFor(() => socket.readableEnded, 'the end of the stream');
  });

  test('a plain request goes on rewritten; the program closing ends the stream', async () => {
    const { socket } = await client('GET http://plain.test/x HTTP/1.1\r\nHost: plain.test\r\n\r\n');
    const { streamId } = await opened('plain.test');
    agent.send({ op: 'net.opened', streamId });
    const data = await waitFor(
      () =>
        agent.events.find(({ event }) => event.ev === 'net.data' && event.streamId === streamId),
      'the request',
    );
    expect(data.body.toString()).toBe(
      'GET /x HTTP/1.1\r\nHost: plain.test\r\nConnection: close\r\n\r\n',
    );
    socket.destroy();
    await waitFor(
      () =>
        agent.events.find(({ event }) => event.ev === 'net.close' && event.streamId === streamId),
      'net.close',
    );
  });
});
