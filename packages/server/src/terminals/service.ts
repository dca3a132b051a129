/**
 * Terminals belong to the workspace, not to a socket: the PTY and its screen live in the
 * agent, and any number of sinks (browser sockets) attach and detach. Output reaches
 * each sink as text; flow control is end to end — the agent pauses a PTY whose output
 * nobody has acknowledged, and the server acknowledges only what every acking sink has
 * rendered — so a flood keeps memory bounded and Ctrl+C still gets through at once.
 */
import { randomBytes } from 'node:crypto';

import type { FastifyBaseLogger } from 'fastify';

import { WorkcellError } from '../errors';
import type { ServerMetrics } from '../metrics/server-metrics';
import type { Db } from '../store/database';
import type { Cell, CellManager } from '../cells/manager';
import {
  CellTerminals,
  NON_ACKING_BACKLOG_LIMIT,
  Terminal,
  type SinkState,
  type TerminalHost,
  type TerminalSink,
} from './cell-terminals';
import { OutputTail } from './ended-runs';

export interface OpenedTerminal {
  terminalId: string;
  replay: string;
  restored: boolean;
  cols: number;
  rows: number;
}

const RESTORED_BANNER = '\r\n\x1b[2m[restored: the cell restarted, this is a new shell]\x1b[0m\r\n';
/**
 * Run terminals' ids start with this, so reattaching one whose program has ended says so
 * instead of starting a shell in its place.
 */
export const RUN_TERMINAL_PREFIX = 'run-';

/** A program to run instead of a shell: its path is a normalised workspace path. */
export interface TerminalRun {
  path: string;
  args: string[];
  env: Record<string, string>;
}

export class TerminalService implements TerminalHost {
  constructor(
    readonly cells: CellManager,
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
    readonly metrics: ServerMetrics,
  ) {}

  private terminalsOf(cell: Cell): CellTerminals {
    return cell.attachment('terminals', (c) => new CellTerminals(c, this));
  }

  private async running(workspaceId: string): Promise<{ cell: Cell; terminals: CellTerminals }> {
    const cell = this.cells.get(workspaceId);
    if (!cell)
      throw new WorkcellError(
        'CELL_UNAVAILABLE',
        'The cell is not running; open the terminal again to start it.',
      );
    return { cell, terminals: this.terminalsOf(cell) };
  }

  /**
   * Attaches `sink` to a terminal, starting the cell and the shell as needed. `announce`
   * runs once the replay is known and before any output reaches the sink, so a client
   * hears of the terminal (and its replay) before its first output.
   */
  async open(
    workspaceId: string,
    ownerId: string,
    request: {
      terminalId?: string | undefined;
      cols: number;
      rows: number;
      run?: TerminalRun | undefined;
      /** A new shell's folder: a normalised workspace path ('' for the root). */
      cwd?: string | undefined;
    },
    sink: TerminalSink,
    announce: (opened: OpenedTerminal) => void = () => undefined,
  ): Promise<OpenedTerminal> {
    if (request.run && request.terminalId?.startsWith(RUN_TERMINAL_PREFIX) === false)
      throw new WorkcellError(
        'VALIDATION_FAILED',
        `A run's terminalId starts with ${RUN_TERMINAL_PREFIX}; or send none.`,
      );
    const cell = await this.cells.ensure(workspaceId, ownerId);
    const terminals = this.terminalsOf(cell);
    const terminalId =
      request.terminalId ??
      `${request.run ? RUN_TERMINAL_PREFIX : 't'}${randomBytes(6).toString('hex')}`;
    let terminal = terminals.terminals.get(terminalId);
    if (terminal && request.run)
      throw new WorkcellError('ALREADY_EXISTS', 'That run terminal is open already.');
    let restored = false;
    let prefix = '';
    /** This call opens the PTY: its stream starts now, so no snapshot is needed. */
    let spawns = false;
    if (!terminal) {
      // A fresh id names no running PTY and no saved screen: nothing to ask about.
      const running =
        request.terminalId !== undefined &&
        (await cell.agent.request({ op: 'pty.list' })).result.ptys.some(
          (pty) => pty.ptyId === terminalId,
        );
      if (running && request.run)
        throw new WorkcellError('ALREADY_EXISTS', 'That run terminal is open already.');
      if (!running) {
        if (request.terminalId?.startsWith(RUN_TERMINAL_PREFIX) && !request.run) {
          const ended = terminals.endedRuns.get(terminalId);
          if (!ended) throw new WorkcellError('TERMINAL_NOT_FOUND', 'That run has ended.');
          // Its output and then its exit, as the sink saw them while it ran.
          const opened = {
            terminalId,
            replay: ended.output,
            restored: false,
            cols: request.cols,
            rows: request.rows,
          };
          announce(opened);
          sink.exit(terminalId, ended.code, ended.signal, ended.durationMs);
          return opened;
        }
        if (request.terminalId !== undefined) {
          const saved = await this.db
            .selectFrom('terminals')
            .select('screen')
            .where('workspace_id', '=', workspaceId)
            .where('terminal_id', '=', terminalId)
            .executeTakeFirst();
          if (saved) {
            restored = true;
            prefix = saved.screen + RESTORED_BANNER;
          }
        }
        spawns = true;
      }
      if (request.run) terminals.endedRuns.forgetPath(request.run.path);
      terminal =
        terminals.terminals.get(terminalId) ??
        new Terminal(
          terminalId,
          request.run && { path: request.run.path, output: new OutputTail() },
        );
      terminals.terminals.set(terminalId, terminal);
    }
    // Output is held from before the snapshot (or the spawn): the snapshot's stream offset
    // then tells which of it the replay already shows, whatever order its reply and the
    // output came in; a new PTY's replay shows none of it.
    const state: SinkState = { ackedChars: terminal.sentChars, held: [] };
    terminal.sinks.set(sink, state);
    let opened: OpenedTerminal;
    let cut = 0;
    try {
      let screen = '';
      if (spawns) {
        await cell.agent.request({
          op: 'pty.open',
          ptyId: terminalId,
          cols: request.cols,
          rows: request.rows,
          ...(request.cwd && { cwd: request.cwd }),
          ...(request.run && {
            // `--`: a name starting with `-` is no option. Python reports the absolute path.
            command: ['python3', '--', request.run.path, ...request.run.args],
            env: request.run.env,
          }),
        });
      } else {
        // All the history the agent keeps (PTY_SCROLLBACK_LINES).
        const { result } = await cell.agent.request({ op: 'pty.snapshot', ptyId: terminalId });
        cut = result.offset;
        screen = result.data;
        if (result.cols !== request.cols || result.rows !== request.rows) {
          await cell.agent.request({
            op: 'pty.resize',
            ptyId: terminalId,
            cols: request.cols,
            rows: request.rows,
          });
        }
      }
      this.cells.touch(workspaceId);
      if (restored) await this.keepScreen(cell, terminalId);
      opened = {
        terminalId,
        replay: prefix + screen,
        restored,
        cols: request.cols,
        rows: request.rows,
      };
    } catch (error) {
      terminal.sinks.delete(sink);
      if (spawns) terminals.terminals.delete(terminalId);
      else terminals.releaseAcked(terminal);
      throw error;
    }
    announce(opened);
    const held = state.held ?? [];
    delete state.held;
    for (const chunk of held) {
      const skip = Math.min(chunk.body.length, Math.max(0, cut - chunk.offset));
      const text =
        skip === 0
          ? chunk.text
          : skip === chunk.body.length
            ? ''
            : chunk.body.subarray(skip).toString('utf8');
      // What the replay shows counts as rendered.
      if (skip > 0) state.ackedChars = chunk.charsEnd - text.length;
      if (text !== '' && (sink.acks || sink.backlog() < NON_ACKING_BACKLOG_LIMIT))
        sink.output(terminalId, text);
    }
    terminals.releaseAcked(terminal);
    return opened;
  }

  async input(workspaceId: string, terminalId: string, data: string): Promise<void> {
    const { cell } = await this.running(workspaceId);
    const bytes = Buffer.from(data, 'utf8');
    cell.agent.send({ op: 'pty.input', ptyId: terminalId }, bytes);
    this.metrics.terminalBytes.inc({ direction: 'in' }, bytes.length);
    this.cells.touch(workspaceId);
  }

  /** SIGINT, then SIGKILL to what is left of the program 2 s later (the agent escalates). */
  async stop(workspaceId: string, terminalId: string): Promise<void> {
    const { cell } = await this.running(workspaceId);
    await cell.agent.request({ op: 'pty.stop', ptyId: terminalId });
    this.cells.touch(workspaceId);
  }

  async resize(workspaceId: string, terminalId: string, cols: number, rows: number): Promise<void> {
    const { cell } = await this.running(workspaceId);
    await cell.agent.request({ op: 'pty.resize', ptyId: terminalId, cols, rows });
  }

  ack(workspaceId: string, terminalId: string, sink: TerminalSink, chars: number): void {
    const cell = this.cells.get(workspaceId);
    const terminal = cell && this.terminalsOf(cell).terminals.get(terminalId);
    const state = terminal?.sinks.get(sink);
    if (!cell || !terminal || !state) return;
    state.ackedChars = Math.min(terminal.sentChars, state.ackedChars + chars);
    this.terminalsOf(cell).releaseAcked(terminal);
  }

  detach(workspaceId: string, terminalId: string, sink: TerminalSink): void {
    const cell = this.cells.get(workspaceId);
    if (!cell) return;
    const terminals = this.terminalsOf(cell);
    const terminal = terminals.terminals.get(terminalId);
    if (!terminal?.sinks.delete(sink)) return;
    terminals.releaseAcked(terminal);
    if (terminal.sinks.size === 0) void this.keepScreen(cell, terminalId);
  }

  async close(workspaceId: string, terminalId: string): Promise<void> {
    const { cell } = await this.running(workspaceId);
    await cell.agent.request({ op: 'pty.close', ptyId: terminalId });
    await this.forgetScreen(workspaceId, terminalId);
  }

  /** Forgets what is left of an ended run (its tab was closed); false when there is none. */
  forgetEndedRun(workspaceId: string, terminalId: string): boolean {
    const cell = this.cells.get(workspaceId);
    return cell !== undefined && this.terminalsOf(cell).endedRuns.forget(terminalId);
  }

  /** Saves the screen; a failure is logged, not thrown: it only costs a later restore. */
  async keepScreen(cell: Cell, terminalId: string): Promise<void> {
    await this.saveScreen(cell, terminalId).catch((error: unknown) =>
      this.log.warn(
        { err: error, workspaceId: cell.workspaceId, terminalId },
        'saving a terminal screen failed',
      ),
    );
  }

  async saveScreen(cell: Cell, terminalId: string): Promise<void> {
    const { result } = await cell.agent.request({ op: 'pty.snapshot', ptyId: terminalId });
    await this.db
      .insertInto('terminals')
      .values({
        workspace_id: cell.workspaceId,
        terminal_id: terminalId,
        screen: result.data,
        cols: result.cols,
        rows: result.rows,
      })
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'terminal_id']).doUpdateSet({
          screen: result.data,
          cols: result.cols,
          rows: result.rows,
          updated_at: new Date(),
        }),
      )
      .execute();
  }

  async forgetScreen(workspaceId: string, terminalId: string): Promise<void> {
    await this.db
      .deleteFrom('terminals')
      .where('workspace_id', '=', workspaceId)
      .where('terminal_id', '=', terminalId)
      .execute();
  }
}
