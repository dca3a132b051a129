/**
 * The server's end of a cell's agent channel: numbered requests with timeouts, replies
 * checked against the protocol, and typed events. The agent runs next to user code, so
 * everything it sends is untrusted: a malformed reply fails only its request, and a stream
 * of garbage (or a frame beyond the limits) closes the channel. The client owns the
 * channel from construction and destroys it when closed or disposed.
 */
import type { Duplex } from 'node:stream';

import type { ErrorCode } from '@workcell/protocol';
import {
  AGENT_PROTOCOL_VERSION,
  encodeFrame,
  FrameDecoder,
  MAX_FRAME_BODY_BYTES,
  MAX_FRAME_HEADER_BYTES,
  type AgentEvent,
  type AgentOp,
  type AgentRequest,
  type AgentResult,
} from '@workcell/protocol/agent';
import { agentEvent, agentReplyHeader, agentResults } from '@workcell/protocol/agent-replies';

import { AgentRequestError } from './agent-error';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type AgentRequestInput<Op extends AgentOp = AgentOp> = Extract<
  WithoutId<AgentRequest>,
  { op: Op }
>;
export type AgentEventName = AgentEvent['ev'];
export type AgentEventOf<E extends AgentEventName> = Extract<AgentEvent, { ev: E }>;

export interface AgentClientOptions {
  requestTimeoutMs?: number;
  /** Requests awaiting a reply; more are refused rather than queued without bound. */
  maxPending?: number;
  /** Bytes queued for an agent that does not read; beyond them requests are refused. */
  maxBuffered?: number;
  /** Invalid frames tolerated per 10 s before the channel is closed. */
  maxInvalidFrames?: number;
  log?: { warn(object: object, message: string): void };
}

/** Codes an agent may legitimately answer with; anything else is reported as AGENT_ERROR. */
const agentCodes = new Set<ErrorCode>([
  'VALIDATION_FAILED',
  'INVALID_PATH',
  'INVALID_NAME',
  'FILE_NOT_FOUND',
  'TERMINAL_NOT_FOUND',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'NOT_A_FOLDER',
  'IS_A_FOLDER',
  'FILE_TOO_LARGE',
  'WORKSPACE_FULL',
  'FORBIDDEN',
  'RATE_LIMITED',
  'VERSION_CONFLICT',
]);
const INVALID_WINDOW_MS = 10_000;

interface Pending {
  op: AgentOp;
  resolve(reply: { result: unknown; body: Buffer }): void;
  reject(error: AgentRequestError): void;
  timer: NodeJS.Timeout;
}

type Listener = (event: AgentEvent, body: Buffer) => void;

export class AgentClient {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closeListeners = new Set<(reason: AgentRequestError) => void>();
  private readonly options: Required<Omit<AgentClientOptions, 'log'>>;
  private readonly log: AgentClientOptions['log'];
  private nextId = 1;
  private ready: AgentEventOf<'ready'> | undefined;
  private invalidFrames = 0;
  private invalidSince = Date.now();
  private closedBy: AgentRequestError | undefined;

  constructor(
    private readonly channel: Duplex,
    options: AgentClientOptions = {},
  ) {
    this.options = {
      requestTimeoutMs: 30_000,
      maxPending: 1024,
      maxBuffered: 4 * MAX_FRAME_BODY_BYTES,
      maxInvalidFrames: 100,
      ...options,
    };
    this.log = options.log;
    channel.on('data', (chunk: Buffer) => this.receive(chunk));
    const lost = () =>
      this.close(new AgentRequestError('CELL_UNAVAILABLE', "The cell's agent channel closed."));
    channel.on('close', lost);
    channel.on('end', lost);
    channel.on('error', lost);
  }

  /** Sends a request and resolves with its validated result and body. */
  request<Op extends AgentOp>(
    request: { op: Op } & AgentRequestInput<Op>,
    body?: Uint8Array,
    timeoutMs = this.options.requestTimeoutMs,
  ): Promise<{ result: AgentResult<Op>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const refusal = this.refusal();
      if (refusal) return reject(refusal);
      if (this.pending.size >= this.options.maxPending) {
        return reject(
          new AgentRequestError('RATE_LIMITED', 'Too many requests are waiting for the cell.'),
        );
      }
      const id = this.nextId++;
      const frame = this.frame({ ...request, id }, body);
      if (frame instanceof AgentRequestError) return reject(frame);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new AgentRequestError(
            'TIMEOUT',
            `The cell did not answer ${request.op} within ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, {
        op: request.op,
        resolve: resolve as Pending['resolve'],
        reject,
        timer,
      });
      this.channel.write(frame);
    });
  }

  /** Sends a request without waiting (keystrokes, acks); false if it could not be sent. */
  send(request: AgentRequestInput, body?: Uint8Array): boolean {
    const frame = this.frame(request, body);
    if (this.refusal() || frame instanceof AgentRequestError) return false;
    this.channel.write(frame);
    return true;
  }

  /** Listens to one kind of event; returns the function that stops listening. */
  on<E extends AgentEventName>(
    ev: E,
    listener: (event: AgentEventOf<E>, body: Buffer) => void,
  ): () => void {
    const set = this.listeners.get(ev) ?? new Set<Listener>();
    this.listeners.set(ev, set);
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  /** Called once when the channel closes, with why. */
  onClose(listener: (reason: AgentRequestError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Resolves with the agent's `ready` event (at once if it came already). */
  waitReady(timeoutMs: number): Promise<AgentEventOf<'ready'>> {
    return new Promise((resolve, reject) => {
      const finish = (error?: AgentRequestError) => {
        clearTimeout(timer);
        stopReady();
        stopClose();
        if (error) reject(error);
        else if (this.ready?.version !== AGENT_PROTOCOL_VERSION) {
          reject(
            new AgentRequestError(
              'AGENT_ERROR',
              `The agent speaks protocol ${this.ready?.version}, not ${AGENT_PROTOCOL_VERSION}.`,
            ),
          );
        } else resolve(this.ready);
      };
      const timer = setTimeout(
        () =>
          finish(
            new AgentRequestError(
              'TIMEOUT',
              `The cell's agent was not ready within ${timeoutMs} ms.`,
            ),
          ),
        timeoutMs,
      );
      const stopReady = this.on('ready', () => finish());
      const stopClose = this.onClose((reason) => finish(reason));
      if (this.ready) finish();
      else if (this.closedBy) finish(this.closedBy);
    });
  }

  /** Fails every waiting request and closes the channel. */
  dispose(): void {
    this.close(new AgentRequestError('CELL_UNAVAILABLE', 'The connection to the cell was closed.'));
  }

  private refusal(): AgentRequestError | undefined {
    if (this.closedBy) return this.closedBy;
    if (this.channel.writableLength > this.options.maxBuffered) {
      return new AgentRequestError('CELL_UNAVAILABLE', 'The cell is not reading its requests.');
    }
    return undefined;
  }

  /** Encodes a request; one the agent would have to drop the channel for is refused. */
  private frame(header: object, body?: Uint8Array): Buffer | AgentRequestError {
    const frame = encodeFrame(header, body);
    if (
      frame.readUInt32BE(0) > MAX_FRAME_HEADER_BYTES ||
      frame.readUInt32BE(4) > MAX_FRAME_BODY_BYTES
    ) {
      return new AgentRequestError(
        'PAYLOAD_TOO_LARGE',
        'The request is too large for the cell channel.',
      );
    }
    return frame;
  }

  private receive(chunk: Buffer): void {
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.close(
        new AgentRequestError(
          'AGENT_ERROR',
          `The cell's agent sent an impossible frame: ${(error as Error).message}.`,
        ),
      );
      return;
    }
    for (const { header, body } of frames) {
      if (this.closedBy) return;
      if (typeof header === 'object' && header !== null && 're' in header) this.reply(header, body);
      else this.event(header, body);
    }
  }

  private reply(header: object, body: Buffer): void {
    const parsed = agentReplyHeader.safeParse(header);
    const id = 're' in header && typeof header.re === 'number' ? header.re : -1;
    const pending = this.pending.get(id);
    if (!pending) {
      // A reply after its timeout is normal; one to nothing ever asked is garbage.
      if (!parsed.success || id >= this.nextId) this.invalid('a reply to no request', header);
      return;
    }
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (!parsed.success) {
      this.invalid('a malformed reply', header);
      pending.reject(
        new AgentRequestError(
          'AGENT_ERROR',
          `The cell's agent sent a malformed reply to ${pending.op}.`,
        ),
      );
    } else if (!parsed.data.ok) {
      const { code, message } = parsed.data.error;
      pending.reject(new AgentRequestError(agentCodes.has(code) ? code : 'AGENT_ERROR', message));
    } else {
      const result = agentResults[pending.op].safeParse(parsed.data.result ?? {});
      if (result.success) pending.resolve({ result: result.data, body });
      else {
        this.invalid('an invalid result', header);
        pending.reject(
          new AgentRequestError(
            'AGENT_ERROR',
            `The cell's agent sent an invalid ${pending.op} result.`,
          ),
        );
      }
    }
  }

  private event(header: unknown, body: Buffer): void {
    const parsed = agentEvent.safeParse(header);
    if (!parsed.success) {
      this.invalid('a malformed event', header);
      return;
    }
    const event = parsed.data;
    if (event.ev === 'ready') this.ready = event;
    for (const listener of this.listeners.get(event.ev) ?? []) {
      try {
        listener(event, body);
      } catch (error) {
        this.log?.warn({ err: error, event: event.ev }, 'agent event listener failed');
      }
    }
  }

  private invalid(what: string, header: unknown): void {
    this.log?.warn(
      { header: JSON.stringify(header)?.slice(0, 200) },
      `the cell's agent sent ${what}`,
    );
    const now = Date.now();
    if (now - this.invalidSince > INVALID_WINDOW_MS) {
      this.invalidSince = now;
      this.invalidFrames = 0;
    }
    if (++this.invalidFrames > this.options.maxInvalidFrames) {
      this.close(
        new AgentRequestError('AGENT_ERROR', "The cell's agent sent too many invalid frames."),
      );
    }
  }

  private close(reason: AgentRequestError): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(reason);
    }
    this.pending.clear();
    this.channel.destroy();
    for (const listener of this.closeListeners) listener(reason);
    this.closeListeners.clear();
    this.listeners.clear();
  }
}
