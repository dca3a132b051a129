/**
 * The egress service against a scripted agent: this test speaks the agent's side of the
 * channel (net.* events) to a real AgentClient, and the allowed host is an echo server on
 * this machine's loopback.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

import { encodeFrame, FrameDecoder, type Frame } from '@workcell/protocol/agent';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AgentClient } from '../cells/agent-client';
import { waitFor } from '../test-support/wait';
import { AllowList } from './allow-list';
import { EgressPolicy } from './policy';
import { EgressService, type CellEgress, type EgressConnectionResult } from './service';

let echo: Server;
let echoSockets: Set<Socket>;
let echoPort: number;
let agentSide: Socket;
let client: AgentClient;
let egress: CellEgress;
let frames: Frame<{
  op: string;
  streamId: number;
  bytes?: number;
  error?: { code: string; message: string };
}>[];
let results: EgressConnectionResult[];

async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const near = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const far = await accepted;
  server.close();
  return [near, far];
}

beforeEach(async () => {
  echoSockets = new Set();
  echo = createServer((socket) => {
    echoSockets.add(socket);
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as AddressInfo).port;
  const [near, far] = await socketPair();
  agentSide = near;
  client = new AgentClient(far);
  frames = [];
  results = [];
  const decoder = new FrameDecoder();
  agentSide.on('data', (chunk: Buffer) => frames.push(...(decoder.push(chunk) as typeof frames)));
  const service = new EgressService({
    policy: new EgressPolicy(AllowList.parse(`echo.test:${echoPort}`), async () => [
      { address: '127.0.0.1', family: 4 },
    ]),
    maxConnections: 2,
    bytesPerMinute: 1000,
    log: { info: () => undefined },
    onConnection: (result) => results.push(result),
  });
  egress = service.attach(client, 'workspace-1');
});

afterEach(async () => {
  egress.dispose();
  client.dispose();
  agentSide.destroy();
  for (const socket of echoSockets) socket.destroy();
  await new Promise((resolve) => echo.close(resolve));
});

const send = (header: object, body?: Buffer) => agentSide.write(encodeFrame(header, body));
const frame = (op: string, streamId: number) =>
  waitFor(
    () => frames.find((f) => f.header.op === op && f.header.streamId === streamId),
    `${op} ${streamId}`,
  );
const open = (streamId: number, host = 'echo.test', port = echoPort) =>
  send({ ev: 'net.open', streamId, host, port });

describe('the egress service', () => {
  it('carries bytes to an allowed host and back, and reports the connection', async () => {
    open(1);
    await frame('net.opened', 1);
    send({ ev: 'net.data', streamId: 1 }, Buffer.from('hello'));
    const data = await frame('net.data', 1);
    expect(data.body.toString()).toBe('hello');
    expect((await frame('net.ack', 1)).header.bytes).toBe(5);
    send({ ev: 'net.close', streamId: 1 });
    const result = await waitFor(() => results[0], 'the report');
    expect(result).toMatchObject({
      workspaceId: 'workspace-1',
      host: 'echo.test',
      port: echoPort,
      address: '127.0.0.1',
      allowed: true,
      bytesUp: 5,
      bytesDown: 5,
    });
  });

  it('refuses what the policy refuses, saying why', async () => {
    open(1, 'elsewhere.test', 443);
    const refused = await frame('net.refused', 1);
    expect(refused.header.error).toEqual({
      code: 'EGRESS_REFUSED',
      message: 'elsewhere.test:443 is not on the egress allow-list',
    });
    expect(results).toMatchObject([
      { allowed: false, reason: 'elsewhere.test:443 is not on the egress allow-list' },
    ]);
  });

  it('refuses a connection past the limit, and takes one again after another closed', async () => {
    open(1);
    open(2);
    await frame('net.opened', 1);
    await frame('net.opened', 2);
    open(3);
    expect((await frame('net.refused', 3)).header.error).toMatchObject({ code: 'RATE_LIMITED' });
    send({ ev: 'net.close', streamId: 1 });
    await waitFor(() => results.some((r) => r.allowed), 'stream 1 to end');
    open(4);
    await frame('net.opened', 4);
  });

  it('ends a stream past the bytes of the minute and refuses new ones', async () => {
    open(1);
    await frame('net.opened', 1);
    send({ ev: 'net.data', streamId: 1 }, Buffer.alloc(1001));
    await frame('net.close', 1);
    expect(await waitFor(() => results[0], 'the report')).toMatchObject({
      reason: 'the cell used its 1000 bytes of egress for this minute',
    });
    open(2);
    expect((await frame('net.refused', 2)).header.error).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('ends a stream whose cell sends data before it opened', async () => {
    // In one write, so the data is read before the host can have answered.
    agentSide.write(
      Buffer.concat([
        encodeFrame({ ev: 'net.open', streamId: 1, host: 'echo.test', port: echoPort }),
        encodeFrame({ ev: 'net.data', streamId: 1 }, Buffer.from('x')),
      ]),
    );
    await frame('net.close', 1);
    expect(results).toMatchObject([
      { allowed: false, reason: 'the cell sent data before the stream opened' },
    ]);
  });

  it('ends every stream when disposed', async () => {
    open(1);
    await frame('net.opened', 1);
    const ended = new Promise((resolve) =>
      echo.once('connection', (socket: Socket) => socket.once('close', resolve)),
    );
    open(2);
    await frame('net.opened', 2);
    egress.dispose();
    await ended;
    expect(results.map((r) => r.reason)).toEqual(['the cell stopped', 'the cell stopped']);
  });
});
