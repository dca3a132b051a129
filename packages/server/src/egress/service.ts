/**
 * The server's end of the cells' egress: each cell's agent opens streams (net.* events)
 * for what programs ask its proxy for; the policy decides, the server connects to the
 * address it checked and carries the bytes, within the cell's budget. Every stream,
 * refused or not, is logged once when it ends and reported to `onConnection` (metrics).
 * A CellEgress owns its streams and their sockets and ends them all when disposed.
 */
import { connect, type Socket } from 'node:net';

import { NetPipe } from '@workcell/protocol/net-pipe';

import type { AgentClient, AgentEventOf } from '../cells/agent-client';
import type { Config } from '../config';
import { EgressBudget, type BudgetLimits } from './budget';
import { EgressPolicy, type Lookup } from './policy';

/** What became of one connection a cell asked for. */
export interface EgressConnectionResult {
  workspaceId: string;
  host: string;
  port: number;
  /** The address connected to, once the policy chose one. */
  address?: string;
  allowed: boolean;
  /** Why it was refused or cut short (a limit), if it was. */
  reason?: string;
  /** From the cell to the host, and back. */
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
}

export interface EgressServiceOptions extends BudgetLimits {
  policy: EgressPolicy;
  log: { info(object: object, message: string): void };
  /** Connecting to an allowed host may take this long before the cell is told it failed. */
  connectTimeoutMs?: number;
  /** Told of every connection as it ends; the metrics hook. */
  onConnection?: (result: EgressConnectionResult) => void;
  now?: () => number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The service the configuration asks for; none while CELL_EGRESS_ALLOW is empty. */
export function egressServiceFor(
  config: Config,
  log: EgressServiceOptions['log'],
  onConnection: EgressServiceOptions['onConnection'],
  lookup?: Lookup,
): EgressService | undefined {
  if (config.CELL_EGRESS_ALLOW.empty) return undefined;
  return new EgressService({
    policy: new EgressPolicy(config.CELL_EGRESS_ALLOW, lookup),
    maxConnections: config.CELL_EGRESS_MAX_CONNECTIONS,
    bytesPerMinute: config.CELL_EGRESS_BYTES_PER_MINUTE,
    log,
    onConnection,
  });
}

export class EgressService {
  constructor(private readonly options: EgressServiceOptions) {}

  /** Serves the egress streams of the cell behind `agent`, until disposed. */
  attach(agent: AgentClient, workspaceId: string): CellEgress {
    return new CellEgress(agent, workspaceId, this.options);
  }
}

interface Stream {
  result: EgressConnectionResult;
  startedAt: number;
  /** Set once connected; before that the stream is being checked or connected. */
  pipe?: NetPipe;
  socket?: Socket;
  /** Counted against the budget's connections (so released once, at the end). */
  counted: boolean;
}

export class CellEgress {
  private readonly streams = new Map<number, Stream>();
  private readonly budget: EgressBudget;
  private readonly unsubscribe: (() => void)[];
  private disposed = false;

  constructor(
    private readonly agent: AgentClient,
    private readonly workspaceId: string,
    private readonly options: EgressServiceOptions,
  ) {
    this.budget = new EgressBudget(options, options.now);
    this.unsubscribe = [
      agent.on('net.open', (event) => {
        this.open(event).catch((error: unknown) =>
          this.refuse(
            event.streamId,
            'EGRESS_UNREACHABLE',
            `the connection failed: ${String(error)}`,
          ),
        );
      }),
      agent.on('net.data', (event, body) => this.data(event.streamId, body)),
      agent.on('net.ack', (event) => this.streams.get(event.streamId)?.pipe?.ack(event.bytes)),
      agent.on('net.close', (event) => this.close(event.streamId)),
    ];
  }

  /** Ends every stream (the cell is going). */
  dispose(): void {
    this.disposed = true;
    for (const stop of this.unsubscribe) stop();
    for (const streamId of [...this.streams.keys()]) this.end(streamId, 'the cell stopped');
  }

  private async open({ streamId, host, port }: AgentEventOf<'net.open'>): Promise<void> {
    // Ids are the agent's to choose but not to reuse while in use.
    if (this.streams.has(streamId)) return;
    const now = this.options.now ?? Date.now;
    const stream: Stream = {
      result: {
        workspaceId: this.workspaceId,
        host,
        port,
        allowed: false,
        bytesUp: 0,
        bytesDown: 0,
        durationMs: 0,
      },
      startedAt: now(),
      counted: false,
    };
    this.streams.set(streamId, stream);
    const over = this.budget.open();
    if (over !== undefined) return this.refuse(streamId, 'RATE_LIMITED', over);
    stream.counted = true;
    const decision = await this.options.policy.check(host, port);
    if (this.streams.get(streamId) !== stream) return;
    if (!decision.allowed) return this.refuse(streamId, decision.code, decision.reason);
    stream.result.address = decision.address;
    const socket = connect({ host: decision.address, port, family: decision.family });
    stream.socket = socket;
    socket.setTimeout(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, () =>
      socket.destroy(new Error('timed out')),
    );
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (stream.pipe || this.streams.get(streamId) !== stream) return;
      const why = error.code ?? error.message;
      this.refuse(
        streamId,
        'EGRESS_UNREACHABLE',
        `could not connect to ${host}:${port} (${decision.address}): ${why}`,
      );
    });
    socket.once('connect', () => {
      if (this.streams.get(streamId) !== stream) return;
      socket.setTimeout(0);
      stream.result.allowed = true;
      this.agent.send({ op: 'net.opened', streamId });
      stream.pipe = new NetPipe(
        socket,
        {
          data: (chunk) => this.agent.send({ op: 'net.data', streamId }, chunk),
          ack: (bytes) => this.agent.send({ op: 'net.ack', streamId, bytes }),
          close: () => this.agent.send({ op: 'net.close', streamId }),
        },
        () => this.finish(streamId),
        (bytes) => this.spend(stream, bytes, 'bytesDown'),
      );
    });
  }

  private data(streamId: number, body: Buffer): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    // Nothing may come before the stream is open: a cell that sends it anyway loses it.
    if (!stream.pipe) return this.end(streamId, 'the cell sent data before the stream opened');
    if (!this.spend(stream, body.length, 'bytesUp')) return stream.pipe.destroy();
    stream.pipe.receive(body);
  }

  /** The cell is done with the stream: the host's end goes after what it was sent. */
  private close(streamId: number): void {
    const stream = this.streams.get(streamId);
    if (stream?.pipe) stream.pipe.end();
    else if (stream) this.end(streamId, 'the cell gave up before it opened');
  }

  private spend(stream: Stream, bytes: number, direction: 'bytesUp' | 'bytesDown'): boolean {
    if (!this.budget.spend(bytes)) {
      stream.result.reason = this.budget.spentReason();
      return false;
    }
    stream.result[direction] += bytes;
    return true;
  }

  private refuse(
    streamId: number,
    code: 'EGRESS_REFUSED' | 'EGRESS_UNREACHABLE' | 'RATE_LIMITED',
    reason: string,
  ): void {
    this.agent.send({ op: 'net.refused', streamId, error: { code, message: reason } });
    const stream = this.streams.get(streamId);
    if (stream) stream.result.reason = reason;
    this.finish(streamId);
  }

  /** Ends a stream from this side, telling the cell. */
  private end(streamId: number, reason: string): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    stream.result.reason ??= reason;
    if (stream.pipe) stream.pipe.destroy();
    else {
      if (!this.disposed) this.agent.send({ op: 'net.close', streamId });
      this.finish(streamId);
    }
  }

  /** Once per stream: releases it and reports what became of it. */
  private finish(streamId: number): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    this.streams.delete(streamId);
    // Once piped, the pipe ends or destroys the socket; before, nothing else will.
    if (!stream.pipe) stream.socket?.destroy();
    if (stream.counted) this.budget.closed();
    const now = this.options.now ?? Date.now;
    const result = { ...stream.result, durationMs: now() - stream.startedAt };
    this.options.log.info(result, 'egress connection');
    this.options.onConnection?.(result);
  }
}
