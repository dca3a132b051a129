/**
 * The terminals of one running cell, as this server routes them: output from the agent to
 * every attached sink, and acknowledgements back, so the agent pauses a PTY nobody keeps
 * up with. The PTYs themselves are the agent's.
 */
import { StringDecoder } from 'node:string_decoder';

import { PTY_FLOW_WINDOW_BYTES } from '@workcell/protocol/agent';

import type { ServerMetrics } from '../metrics/server-metrics';
import type { Cell, CellAttachment, CellManager } from '../cells/manager';
import { EndedRuns, OutputTail } from './ended-runs';

export interface TerminalSink {
  /** Sinks that ack hold the output back until they have rendered it. */
  readonly acks: boolean;
  /** Bytes queued towards the client; a non-acking sink is skipped while this is high. */
  backlog(): number;
  output(terminalId: string, data: string): void;
  exit(terminalId: string, code: number | null, signal: string | null, durationMs?: number): void;
  /** The terminal lives on, but not through this server: its cell was taken over. */
  moved(terminalId: string): void;
}

/** What a cell's terminals need of the service that owns them. */
export interface TerminalHost {
  readonly cells: CellManager;
  readonly metrics: ServerMetrics;
  keepScreen(cell: Cell, terminalId: string): Promise<void>;
  forgetScreen(workspaceId: string, terminalId: string): Promise<void>;
}

/** A sink that does not ack is skipped while this much is queued towards it. */
export const NON_ACKING_BACKLOG_LIMIT = 1024 * 1024;
const SCREEN_SAVE_INTERVAL_MS = 30_000;
/**
 * Rendered output is acked to the agent once this much has gathered: an ack per echo woke
 * the agent once more per keystroke (12 % of its CPU per key, measured). The agent pauses
 * a PTY only past the whole window, so what is held back here can never stall it.
 */
const AGENT_ACK_BATCH_BYTES = PTY_FLOW_WINDOW_BYTES / 8;

/** Output that arrived for a sink still attaching, held until its snapshot is known. */
export interface HeldChunk {
  offset: number;
  body: Buffer;
  text: string;
  /** The terminal's `sentChars` after this chunk. */
  charsEnd: number;
}

export interface SinkState {
  ackedChars: number;
  /** Set while the sink attaches: its output waits here until the snapshot says where it starts. */
  held?: HeldChunk[];
}

/** One terminal's routing state; the PTY itself is the agent's. */
export class Terminal {
  readonly sinks = new Map<TerminalSink, SinkState>();
  readonly decoder = new StringDecoder('utf8');
  sentChars = 0;
  receivedBytes = 0;
  ackedBytes = 0;
  /** Where the next output chunk starts in the PTY's output stream. */
  streamOffset = 0;
  /** Chunks forwarded but not yet acked by every acking sink: [charsEnd, bytesEnd]. */
  readonly inFlight: [number, number][] = [];
  dirty = false;

  constructor(
    readonly id: string,
    /** A run's file, and its output for when it has ended. */
    readonly run?: { path: string; output: OutputTail },
  ) {}
}

/** The terminals of one running cell. */
export class CellTerminals implements CellAttachment {
  readonly terminals = new Map<string, Terminal>();
  readonly endedRuns = new EndedRuns();
  private readonly saveTimer: NodeJS.Timeout;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly cell: Cell,
    private readonly service: TerminalHost,
  ) {
    this.unsubscribe.push(
      cell.agent.on('pty.output', ({ ptyId, offset }, body) => this.output(ptyId, body, offset)),
      cell.agent.on(
        'pty.exit',
        ({ ptyId, code, signal, durationMs }) => void this.exited(ptyId, code, signal, durationMs),
      ),
    );
    this.saveTimer = setInterval(() => void this.saveScreens(false), SCREEN_SAVE_INTERVAL_MS);
    this.saveTimer.unref();
  }

  async beforeStop(): Promise<void> {
    await this.saveScreens(true);
  }

  dispose(): void {
    this.detachAll((terminal, sink) => sink.exit(terminal.id, null, 'SIGKILL'));
  }

  /** The shells go on in the cell another server now holds: sinks reattach there. */
  handOver(): void {
    this.detachAll((terminal, sink) => sink.moved(terminal.id));
  }

  private detachAll(tell: (terminal: Terminal, sink: TerminalSink) => void): void {
    clearInterval(this.saveTimer);
    for (const off of this.unsubscribe) off();
    for (const terminal of this.terminals.values()) {
      for (const sink of terminal.sinks.keys()) tell(terminal, sink);
    }
    this.terminals.clear();
  }

  async saveScreens(all: boolean): Promise<void> {
    for (const terminal of this.terminals.values()) {
      if (all || terminal.dirty) await this.service.keepScreen(this.cell, terminal.id);
      terminal.dirty = false;
    }
  }

  private output(ptyId: string, body: Buffer, offset: number | undefined): void {
    const terminal = this.terminals.get(ptyId);
    if (!terminal) {
      // Nobody routes it (e.g. a terminal of a previous server): keep the PTY flowing.
      this.cell.agent.send({ op: 'pty.ack', ptyId, bytes: body.length });
      return;
    }
    terminal.dirty = true;
    terminal.receivedBytes += body.length;
    this.service.metrics.terminalBytes.inc({ direction: 'out' }, body.length);
    const start = offset ?? terminal.streamOffset;
    terminal.streamOffset = start + body.length;
    const text = terminal.decoder.write(body);
    terminal.sentChars += text.length;
    terminal.run?.output.append(text);
    terminal.inFlight.push([terminal.sentChars, terminal.receivedBytes]);
    for (const [sink, state] of terminal.sinks) {
      if (state.held) state.held.push({ offset: start, body, text, charsEnd: terminal.sentChars });
      else if (sink.acks || sink.backlog() < NON_ACKING_BACKLOG_LIMIT)
        sink.output(terminal.id, text);
    }
    this.service.cells.touch(this.cell.workspaceId);
    this.releaseAcked(terminal);
  }

  /**
   * Acks to the agent the output every acking sink has rendered (all of it when none acks),
   * in batches of AGENT_ACK_BATCH_BYTES.
   */
  releaseAcked(terminal: Terminal): void {
    let rendered = terminal.sentChars;
    for (const [sink, state] of terminal.sinks)
      if (sink.acks) rendered = Math.min(rendered, state.ackedChars);
    let bytes = terminal.ackedBytes;
    while (terminal.inFlight.length > 0 && terminal.inFlight[0]![0] <= rendered)
      bytes = terminal.inFlight.shift()![1];
    if (bytes - terminal.ackedBytes >= AGENT_ACK_BATCH_BYTES) {
      this.cell.agent.send({
        op: 'pty.ack',
        ptyId: terminal.id,
        bytes: bytes - terminal.ackedBytes,
      });
      terminal.ackedBytes = bytes;
    }
  }

  private async exited(
    ptyId: string,
    code: number | null,
    signal: string | null,
    durationMs: number | undefined,
  ): Promise<void> {
    const terminal = this.terminals.get(ptyId);
    this.terminals.delete(ptyId);
    if (terminal?.run)
      this.endedRuns.add(ptyId, {
        path: terminal.run.path,
        output: terminal.run.output.text(),
        code,
        signal,
        durationMs,
      });
    for (const sink of terminal?.sinks.keys() ?? []) sink.exit(ptyId, code, signal, durationMs);
    await this.service.forgetScreen(this.cell.workspaceId, ptyId).catch(() => undefined);
  }
}
