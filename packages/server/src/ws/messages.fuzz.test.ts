/**
 * What a client or a cell can send, fuzzed: arbitrary `/ws` messages (JSON of any shape,
 * deep nesting, text that is not JSON, binary frames), arbitrary JSON-RPC to the language
 * server bridge, and arbitrary agent frames to the server's end of a cell's channel.
 * Whatever arrives: no exception escapes, no crash, and the server goes on answering.
 */
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';

import { encodeFrame } from '@workcell/protocol/agent';
import fc from 'fast-check';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { AgentClient } from '../cells/agent-client';
import { LspBridge, type LspSocket } from '../languages/bridge';
import { ServerMetrics } from '../metrics/server-metrics';
import { openTestDatabase, buildTestApp, registerUser } from '../test-support/api-harness';

const SEED = 42;

/** JSON text of any shape, nested up to 100 deep, or text that is not JSON. */
const messages = fc.oneof(
  fc.json({ depthSize: 'medium' }),
  fc
    .tuple(fc.integer({ min: 1, max: 100 }), fc.json())
    .map(([depth, inner]) => '['.repeat(depth) + inner + ']'.repeat(depth)),
  fc
    .record({
      type: fc.constantFrom(
        'ping',
        'watch',
        'terminal.open',
        'terminal.input',
        'terminal.resize',
        'terminal.close',
        'terminal.stop',
        'file.sync',
      ),
      id: fc.oneof(fc.integer(), fc.string()),
      workspace: fc.oneof(fc.uuid(), fc.string()),
      terminalId: fc.string({ maxLength: 80 }),
      cols: fc.integer(),
      rows: fc.integer(),
      data: fc.string(),
      run: fc.option(
        fc.record({
          path: fc.string(),
          args: fc.array(fc.string()),
          env: fc.dictionary(fc.string(), fc.string()),
        }),
      ),
    })
    .map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

describe('/ws', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
  let url: string;
  let token: string;
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    ({ app } = await buildTestApp(database.handle));
    token = (await registerUser(app, 'fuzz')).token;
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it(
    'takes any message without failing: errors are answered, the socket and server live on',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(messages, fc.uint8Array({ maxLength: 64 })), { maxLength: 8 }),
          async (batch) => {
            const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
            await new Promise((resolve, reject) => {
              socket.once('open', resolve);
              socket.once('error', reject);
            });
            for (const message of batch) socket.send(message);
            // A ping after them is answered: the socket's handler survived the batch.
            const pong = new Promise<void>((resolve, reject) => {
              socket.on('message', (data: Buffer) => {
                if (data.toString().includes('"pong"') && data.toString().includes('424242'))
                  resolve();
              });
              socket.once('close', (code) => reject(new Error(`closed with ${code}`)));
            });
            socket.send(JSON.stringify({ type: 'ping', id: 424242 }));
            await pong;
            socket.close();
            expect((await app.inject({ url: '/api/health' })).statusCode).toBe(200);
          },
        ),
        { seed: SEED, numRuns: 40 },
      );
    },
  );
});

describe('the language server bridge', () => {
  it('answers or closes on any message from a browser, never throws', () => {
    const log = pino({ level: 'silent' }) as FastifyBaseLogger;
    const metrics = new ServerMetrics();
    fc.assert(
      fc.property(fc.array(fc.oneof(messages, fc.json()), { maxLength: 10 }), (batch) => {
        const sent: string[] = [];
        let closed: number | undefined;
        const socket: LspSocket = {
          send: (text) => sent.push(text),
          close: (code) => (closed = code),
          bufferedAmount: 0,
        };
        const bridge = new LspBridge(socket, {
          cellRootUri: 'file:///app',
          start: () => new Promise(() => undefined),
          release: () => undefined,
          activity: () => undefined,
          log,
          metrics,
        });
        for (const message of batch) bridge.receive(Buffer.from(message), false);
        // Every answer is JSON a browser can read.
        for (const text of sent) JSON.parse(text);
        expect(closed === undefined || [1000, 1008, 1009, 1013].includes(closed)).toBe(true);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('frames from a cell', () => {
  it('are validated or dropped: no exception escapes the agent client', async () => {
    const frames = fc.oneof(
      fc
        .tuple(fc.jsonValue(), fc.uint8Array({ maxLength: 64 }))
        .map(([header, body]) => encodeFrame(header, body)),
      fc
        .record({
          ev: fc.constantFrom(
            'ready',
            'pty.output',
            'pty.exit',
            'proc.output',
            'proc.exit',
            'watch.changes',
            'stats',
          ),
          ptyId: fc.string(),
          procId: fc.string(),
          offset: fc.integer(),
          changes: fc.array(fc.record({ path: fc.string(), kind: fc.string(), type: fc.string() })),
        })
        .map((header) => encodeFrame(header)),
      fc
        .record({
          id: fc.integer({ min: 1, max: 3 }),
          ok: fc.boolean(),
          result: fc.jsonValue(),
          error: fc.jsonValue(),
        })
        .map((header) => encodeFrame(header)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frames, { maxLength: 12 }), async (batch) => {
        const channel = new PassThrough();
        const client = new AgentClient(channel, { requestTimeoutMs: 1000 });
        const answered = client.request({ op: 'ping' }).then(
          () => 'answered',
          (error: unknown) => (error as Error).name,
        );
        for (const frame of batch) channel.write(frame);
        channel.end();
        expect(['answered', 'AgentRequestError']).toContain(await answered);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
