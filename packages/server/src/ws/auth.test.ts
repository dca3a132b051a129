/**
 * Who may use /ws, and what a socket may reach: the upgrade is authenticated (token or
 * session cookie from Workcell's own Origin), every workspace a message names must be the
 * caller's, terminals are reachable only on the socket that opened them, and bad frames
 * get an `error` without dropping the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { marker, WsClient } from '../test-support/ws-client';

const PUBLIC_URL = 'https://workcell.example';
let server: LiveServer;
let alice: LiveUser;
let bob: LiveUser;
let alicesWorkspace: string;
let bobsWorkspace: string;

beforeAll(async () => {
  server = await startLiveServer('ws-auth', { PUBLIC_URL });
  alice = await server.registerUser('alice');
  bob = await server.registerUser('bob');
  alicesWorkspace = await server.createWorkspace(alice);
  bobsWorkspace = await server.createWorkspace(bob);
});

afterAll(async () => {
  await server?.close();
});

describe('the upgrade', () => {
  it('is refused without credentials or with a bad token: 401 JSON', async () => {
    for (const options of [
      {},
      { token: 'not-a-token' },
      { token: 'not-a-token', tokenInQuery: true },
      { cookie: 'workcell_session=forged', origin: PUBLIC_URL },
    ]) {
      const refused = await WsClient.refused(server.wsUrl, options);
      expect(refused.status, JSON.stringify(options)).toBe(401);
      expect(refused.contentType).toMatch(/^application\/json/);
      expect(refused.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('refuses a session cookie from a foreign Origin (or none) with 403 ORIGIN_REJECTED', async () => {
    for (const origin of ['https://evil.example', 'http://workcell.example', undefined]) {
      const refused = await WsClient.refused(server.wsUrl, {
        cookie: alice.cookie,
        ...(origin !== undefined && { origin }),
      });
      expect(refused.status, String(origin)).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: 'ORIGIN_REJECTED' } });
    }
  });

  it('accepts the session cookie from its own Origin, ?token= and a bearer token', async () => {
    for (const options of [
      { cookie: alice.cookie, origin: PUBLIC_URL },
      // The page opened under the address the socket goes to (e.g. 127.0.0.1, not PUBLIC_URL).
      { cookie: alice.cookie, origin: new URL(server.wsUrl.replace(/^ws/, 'http')).origin },
      { token: alice.token, tokenInQuery: true },
      { token: alice.token },
    ]) {
      const client = await server.connect(options);
      await client.ping();
      // Signed in as Alice: her workspace is watchable.
      const from = client.mark();
      client.send({ type: 'workspace.watch', workspace: alicesWorkspace });
      await client.next('cell.status', (m) => m.workspace === alicesWorkspace, from);
      await client.close();
    }
  });
});

describe("another user's workspace", () => {
  it('terminal.open (a shell or a run), workspace.watch and terminal_input get WORKSPACE_NOT_FOUND and open nothing', async () => {
    const client = await server.connect(alice);
    const attempts = [
      { type: 'terminal.open', workspace: bobsWorkspace, cols: 80, rows: 24 },
      {
        type: 'terminal.open',
        workspace: bobsWorkspace,
        cols: 80,
        rows: 24,
        run: { path: 'main.py', args: [], env: {} },
      },
      { type: 'workspace.watch', workspace: bobsWorkspace },
      { type: 'terminal_input', sessionId: bobsWorkspace, input: 'touch pwned\n' },
    ];
    for (const attempt of attempts) {
      const from = client.mark();
      client.send(attempt);
      const error = await client.next('error', () => true, from);
      expect(error.code, attempt.type).toBe('WORKSPACE_NOT_FOUND');
      expect(client.isOpen).toBe(true);
    }
    await client.ping();
    // Nothing was started or opened for Bob's workspace.
    expect(server.services.cells.get(bobsWorkspace)).toBeUndefined();
    expect(await server.services.cells.record(bobsWorkspace)).toBeUndefined();
    const terminals = await server.services.database.db
      .selectFrom('terminals')
      .select('terminal_id')
      .where('workspace_id', '=', bobsWorkspace)
      .execute();
    expect(terminals).toEqual([]);
    // Nor is Alice watching it: Bob's saves don't reach her.
    const from = client.mark();
    const saved = await server.api(bob, 'POST', `/api/workspace/${bobsWorkspace}/file/secret.txt`, {
      content: 'bob only',
    });
    expect(saved.status).toBe(201);
    await client.ping();
    expect(client.messages.slice(from).filter((m) => m.type === 'file.changed')).toEqual([]);
    // An unknown workspace is the same answer as a foreign one.
    const unknown = client.mark();
    client.send({ type: 'workspace.watch', workspace: '00000000-0000-4000-8000-000000000000' });
    expect((await client.next('error', () => true, unknown)).code).toBe('WORKSPACE_NOT_FOUND');
  });

  it('a terminal is reachable only on a socket that opened it', { timeout: 120_000 }, async () => {
    const owner = await server.connect(alice);
    const terminal = await owner.open(alicesWorkspace);
    await WsClient.prompt(terminal);
    const sameUser = await server.connect(alice);
    const otherUser = await server.connect(bob);

    for (const [client, messages] of [
      [
        sameUser,
        [
          { type: 'terminal.input', terminalId: terminal.id, data: 'touch pwned-by-tab\r' },
          { type: 'terminal.resize', terminalId: terminal.id, cols: 10, rows: 5 },
          { type: 'terminal.ack', terminalId: terminal.id, chars: 1000 },
          { type: 'terminal.close', terminalId: terminal.id },
        ],
      ],
      [
        otherUser,
        [
          { type: 'terminal.input', terminalId: terminal.id, data: 'touch pwned-by-bob\r' },
          { type: 'terminal.close', terminalId: terminal.id },
        ],
      ],
    ] as const) {
      for (const message of messages) {
        const from = client.mark();
        client.send(message);
        const error = await client.next('error', () => true, from);
        expect(error.code, message.type).toBe('TERMINAL_NOT_FOUND');
        expect(error.ref).toBe(terminal.id);
      }
    }
    // Bob cannot attach to it either: it lives in Alice's workspace.
    const from = otherUser.mark();
    otherUser.send({
      type: 'terminal.open',
      workspace: alicesWorkspace,
      terminalId: terminal.id,
      cols: 80,
      rows: 24,
    });
    expect((await otherUser.next('error', () => true, from)).code).toBe('WORKSPACE_NOT_FOUND');

    // The shell is untouched: same size, no files made, still answering.
    expect(await terminal.run('stty size; ls pwned* 2>/dev/null | wc -l')).toBe('30 100\n0\n');
    expect(terminal.exited).toBeUndefined();
  });
});

describe('malformed frames', () => {
  it('each gets an error and the connection stays up', async () => {
    const client = await server.connect(alice);
    const bad: [string, () => void, string][] = [
      ['not JSON', () => client.send('{"type": "ping"'), 'VALIDATION_FAILED'],
      [
        'a binary frame',
        () => client.sendBinary(Buffer.from('{"type":"ping"}')),
        'VALIDATION_FAILED',
      ],
      ['JSON that is not an object', () => client.send('[1, 2, 3]'), 'VALIDATION_FAILED'],
      ['an unknown type', () => client.send({ type: 'terminal.explode' }), 'VALIDATION_FAILED'],
      ['no type', () => client.send({ workspace: alicesWorkspace }), 'VALIDATION_FAILED'],
      [
        'wrong field types',
        () =>
          client.send({ type: 'terminal.open', workspace: alicesWorkspace, cols: '80', rows: -1 }),
        'VALIDATION_FAILED',
      ],
      [
        'a bad terminal id',
        () => client.send({ type: 'terminal.input', terminalId: '../x', data: 'ls' }),
        'VALIDATION_FAILED',
      ],
      [
        'a workspace that is no uuid',
        () => client.send({ type: 'workspace.watch', workspace: "'; drop table users; --" }),
        'VALIDATION_FAILED',
      ],
      [
        'an oversized frame (2 MiB)',
        () => client.send({ type: 'ping', padding: 'x'.repeat(2 * 1024 * 1024) }),
        'PAYLOAD_TOO_LARGE',
      ],
    ];
    for (const [what, send, code] of bad) {
      const from = client.mark();
      send();
      const error = await client.next('error', () => true, from);
      expect(error.code, what).toBe(code);
      expect(error.message.length, what).toBeGreaterThan(0);
      expect(error.message, what).not.toMatch(/\n\s+at |node_modules/);
      // Still connected and answering.
      await client.ping();
      expect(client.isOpen, what).toBe(true);
    }
    // The prototype's messages still work after all that.
    const line = marker('still');
    const from = client.mark();
    client.send({ type: 'terminal_input', sessionId: alicesWorkspace, input: `${line.command}\n` });
    await client.next('terminal_output', (m) => m.output.includes(line.text), from, 90_000);
  });

  it('a frame beyond the hard limit (16 MiB) closes the socket with 1009', async () => {
    const client = await server.connect(alice);
    client.send({ type: 'ping', padding: 'x'.repeat(17 * 1024 * 1024) });
    expect((await client.whenClosed()).code).toBe(1009);
    // The server goes on serving others.
    const other = await server.connect(alice);
    await other.ping();
  });
});

describe('heartbeats', () => {
  it('end a connection whose peer stopped answering, and keep a live one', async () => {
    const quick = await startLiveServer('ws-heartbeat', { WS_HEARTBEAT_MS: '200' });
    try {
      const user = await quick.registerUser('carol');
      const live = await quick.connect(user);
      const dead = await quick.connect(user);
      // A peer gone silent (a laptop lid shut, a dropped network): pings go unanswered.
      dead.socket.pong = () => undefined;
      expect((await dead.whenClosed()).code).toBe(1006);
      expect(live.isOpen).toBe(true);
      await live.ping();
    } finally {
      await quick.close();
    }
  });
});
