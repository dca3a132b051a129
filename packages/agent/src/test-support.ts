/**
 * Test driver for the agent at the frame level: starts the built bundle unsandboxed in a
 * temporary workspace and checks every frame it sends against the protocol schemas. (The
 * server's AgentClient is the production client; the agent package may not import it.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

import {
  encodeFrame,
  FrameDecoder,
  type AgentErrorPayload,
  type AgentEvent,
  type AgentOp,
  type AgentRequest,
  type AgentResult,
} from '@workcell/protocol/agent';
import { agentEvent, agentReplyHeader, agentResults } from '@workcell/protocol/agent-replies';

import { agentBundlePath, agentEnv, ensureAgentBuilt, spawnLocalAgent } from './index';
import type { AgentSettings, ListenAddress } from './settings';

export const PYTHON = '/usr/bin/python3';

type Fields<Op extends AgentOp> = Omit<Extract<AgentRequest, { op: Op }>, 'op' | 'id'>;
export type Reply<Op extends AgentOp> =
  | { ok: true; result: AgentResult<Op>; body: Buffer }
  | { ok: false; error: AgentErrorPayload; body: Buffer };

export interface TestAgent {
  root: string;
  /** Events so far, in order, with their bodies. */
  events: { event: AgentEvent; body: Buffer }[];
  request<Op extends AgentOp>(op: Op, fields: Fields<Op>, body?: Uint8Array): Promise<Reply<Op>>;
  /** Like request, but fails the test unless the reply is ok. */
  call<Op extends AgentOp>(
    op: Op,
    fields: Fields<Op>,
    body?: Uint8Array,
  ): Promise<{ result: AgentResult<Op>; body: Buffer }>;
  /** Sends any header (no id added) or raw bytes. */
  send(header: unknown, body?: Uint8Array): void;
  sendBytes(bytes: Buffer): void;
  /** A raw header with `id`, answered by a reply. */
  requestRaw(header: Record<string, unknown>): Promise<Reply<AgentOp>>;
  /** The pty.output of a terminal so far, as text: all of it, or only the last `bytes`. */
  output(ptyId: string, bytes?: number): string;
  outputBytes(ptyId: string): number;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Polls `check` until it returns something other than undefined/false. Waiting on a
 * condition, not a fixed sleep, keeps tests fast and steady on a busy machine.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * When the tests run as root, user code runs as uid 1000 as in a cell, so the workspace
 * and home must belong to it.
 */
const userUid = process.getuid?.() === 0 ? 1000 : undefined;

/** A temporary workspace and home for an agent, in `base`. */
async function workspace(): Promise<{ base: string; root: string; home: string }> {
  await ensureAgentBuilt();
  const base = await mkdtemp(join(tmpdir(), 'workcell-agent-'));
  await chmod(base, 0o755);
  const root = join(base, 'app');
  const home = join(base, 'home');
  for (const dir of [root, home]) {
    await mkdir(dir);
    if (userUid !== undefined) await chown(dir, userUid, userUid);
  }
  return { base, root, home };
}

/** The child's exit, and a stop that kills it and removes `base`. */
function lifetime(child: ChildProcess, base: string) {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
    await rm(base, { recursive: true, force: true });
  };
  return { exited, stop };
}

/** `settings`: more of the agent's settings (its egress proxy's port, say). */
export async function startAgent(
  settings: Omit<Partial<AgentSettings>, 'channel' | 'root' | 'home'> = {},
): Promise<TestAgent> {
  const { base, root, home } = await workspace();
  const { child, channel } = spawnLocalAgent({ ...settings, root, home });
  const { exited, stop } = lifetime(child, base);
  return drive(channel, root, exited, stop);
}

/** One connection to a listening agent. */
export interface TestConnection extends TestAgent {
  /** Settles when the connection has closed, whichever side closed it. */
  closed: Promise<void>;
  /** Cuts the connection, as a server that dies does. */
  destroy(): void;
}

export interface ListeningTestAgent {
  root: string;
  /** The agent's descriptor, which it only holds to know it is still wanted. */
  descriptor: Duplex | undefined;
  /** Connects and sends `first` as the first frame (the token's by default; none if null). */
  open(first?: unknown): TestConnection;
  /** Connects with the token and waits for `ready`. */
  connect(): Promise<TestConnection>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts an agent that listens on a free TCP port of 127.0.0.1 or on a unix socket, with a
 * descriptor as the local harness holds it, or without (WORKCELL_AGENT_FD=none) as in a pod.
 */
export async function startListeningAgent(
  transport: 'tcp' | 'unix',
  { descriptor = true } = {},
): Promise<ListeningTestAgent> {
  const { base, root, home } = await workspace();
  const address: ListenAddress =
    transport === 'unix'
      ? { path: join(base, 'agent.sock') }
      : { host: '127.0.0.1', port: await freePort() };
  const token = randomBytes(24).toString('base64url');
  const listen = { address, token };
  const { child, channel } = descriptor
    ? spawnLocalAgent({ root, home, listen })
    : {
        child: spawn(process.execPath, [agentBundlePath()], {
          cwd: root,
          env: agentEnv({ root, home, listen, channel: 'none' }),
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
        channel: undefined,
      };
  const { exited, stop } = lifetime(child, base);
  await Promise.race([
    channel
      ? new Promise((resolve) => channel.once('data', resolve))
      : waitFor(() => listening(address), 'the agent to listen'),
    exited.then((code) => Promise.reject(new Error(`the agent exited with ${code}`))),
  ]);
  const open = (first: unknown = { auth: token }): TestConnection => {
    const socket = connect(address);
    if (first !== null) socket.write(encodeFrame(first));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined); // 'close' follows
    return {
      ...drive(socket, root, exited, async () => {
        socket.destroy();
        await closed;
      }),
      closed,
      destroy: () => socket.destroy(),
    };
  };
  return {
    root,
    descriptor: channel,
    open,
    async connect() {
      const connection = open();
      await waitFor(() => connection.events.some((e) => e.event.ev === 'ready'), 'ready');
      return connection;
    },
    exited,
    stop,
  };
}

/** Whether something accepts connections at `address`. */
function listening(address: ListenAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(address, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function drive(
  channel: Duplex,
  root: string,
  exited: Promise<number | null>,
  cleanup: () => Promise<void>,
): TestAgent {
  const decoder = new FrameDecoder();
  const events: TestAgent['events'] = [];
  const waiting = new Map<
    number,
    { op: string; resolve: (reply: Reply<AgentOp>) => void; reject: (e: Error) => void }
  >();
  const outputs = new Map<string, { chunks: Buffer[]; bytes: number }>();
  let nextId = 1;
  channel.on('data', (chunk: Buffer) => {
    for (const { header, body } of decoder.push(chunk)) {
      if (typeof header === 'object' && header !== null && 're' in header) {
        const reply = agentReplyHeader.parse(header);
        const pending = waiting.get(reply.re);
        if (!pending) throw new Error(`reply to unknown request ${reply.re}`);
        waiting.delete(reply.re);
        if (reply.ok) {
          const result = agentResults[pending.op as AgentOp].safeParse(reply.result ?? {});
          if (result.success) pending.resolve({ ok: true, result: result.data as never, body });
          else pending.reject(new Error(`invalid ${pending.op} result: ${result.error.message}`));
        } else {
          pending.resolve({ ok: false, error: reply.error, body });
        }
      } else {
        const event = agentEvent.parse(header);
        events.push({ event, body });
        if (event.ev !== 'pty.output') continue;
        const output = outputs.get(event.ptyId) ?? { chunks: [], bytes: 0 };
        output.chunks.push(body);
        output.bytes += body.length;
        outputs.set(event.ptyId, output);
      }
    }
  });
  const requestRaw = (header: Record<string, unknown>) => {
    const id = nextId++;
    channel.write(encodeFrame({ ...header, id }));
    return new Promise<Reply<AgentOp>>((resolve, reject) => {
      waiting.set(id, { op: String(header.op), resolve, reject });
    });
  };
  const request = <Op extends AgentOp>(op: Op, fields: Fields<Op>, body?: Uint8Array) => {
    const id = nextId++;
    channel.write(encodeFrame({ op, id, ...fields }, body));
    return new Promise<Reply<Op>>((resolve, reject) => {
      waiting.set(id, { op, resolve: resolve as (reply: Reply<AgentOp>) => void, reject });
    });
  };
  return {
    root,
    events,
    request,
    async call(op, fields, body) {
      const reply = await request(op, fields, body);
      if (!reply.ok) throw new Error(`${op} failed: ${reply.error.code} ${reply.error.message}`);
      return reply;
    },
    send: (header, body) => channel.write(encodeFrame(header, body)),
    sendBytes: (bytes) => channel.write(bytes),
    requestRaw,
    output(ptyId, bytes = Infinity) {
      const chunks = outputs.get(ptyId)?.chunks ?? [];
      const tail: Buffer[] = [];
      for (let i = chunks.length - 1, n = 0; i >= 0 && n < bytes; i--) {
        tail.unshift(chunks[i]!);
        n += chunks[i]!.length;
      }
      return Buffer.concat(tail).toString('utf8');
    },
    outputBytes: (ptyId) => outputs.get(ptyId)?.bytes ?? 0,
    exited,
    stop: cleanup,
  };
}
