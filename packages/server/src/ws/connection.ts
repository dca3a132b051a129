/**
 * One browser tab's socket: every workspace it watches and every terminal it shows.
 * Each message is validated on its own; a bad one gets an `error` reply and the socket
 * stays up. Ownership is checked for every workspace the socket names. Messages are
 * handled one after another in the order sent, except `ping`, answered on receipt.
 */
import {
  clientMessage,
  JsonTooDeepError,
  MAX_WS_MESSAGE_BYTES,
  normaliseWorkspacePath,
  parseBoundedJson,
  type ClientMessage,
  type ServerMessage,
} from '@workcell/protocol';
import type { FastifyBaseLogger } from 'fastify';

import type { AuthenticatedUser } from '../auth/service';
import type { CellEvent, CellManager } from '../cells/manager';
import { isWorkcellError, WorkcellError } from '../errors';
import type { FileChangeEvent } from '../files/events';
import type { TerminalSink } from '../terminals/cell-terminals';
import type { TerminalRun, TerminalService } from '../terminals/service';
import type { WorkspaceService } from '../workspaces/service';

/** The prototype's single terminal per workspace. */
const LEGACY_TERMINAL = 'legacy';
const LEGACY_SIZE = { cols: 120, rows: 32 };

/** The part of a `ws` socket a connection uses. */
export interface MessageSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
}

const OPEN = 1;

export interface ConnectionDeps {
  workspaces: WorkspaceService;
  cells: CellManager;
  terminals: TerminalService;
  log: FastifyBaseLogger;
}

export class Connection {
  private readonly watched = new Set<string>();
  /** terminalId → workspace, for terminals this socket is attached to. */
  private readonly attached = new Map<string, string>();
  private readonly legacyWorkspaces = new Set<string>();
  private readonly sink: TerminalSink;
  private readonly legacySink: TerminalSink;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly socket: MessageSocket,
    private readonly caller: AuthenticatedUser,
    private readonly deps: ConnectionDeps,
  ) {
    this.sink = {
      acks: true,
      backlog: () => socket.bufferedAmount,
      output: (terminalId, data) => this.send({ type: 'terminal.output', terminalId, data }),
      exit: (terminalId, code, signal, durationMs) => {
        this.attached.delete(terminalId);
        this.send({
          type: 'terminal.exit',
          terminalId,
          code,
          signal,
          ...(durationMs !== undefined && { durationMs }),
        });
      },
      moved: (terminalId) => {
        this.attached.delete(terminalId);
        const { code, message } = new WorkcellError('CELL_MOVED');
        this.send({ type: 'error', code, message, ref: terminalId });
      },
    };
    this.legacySink = {
      acks: false,
      backlog: () => socket.bufferedAmount,
      output: (terminalId, output) => {
        const sessionId = this.attached.get(`${LEGACY_TERMINAL}:${terminalId}`);
        if (sessionId)
          this.send({
            type: 'terminal_output',
            sessionId,
            output,
            timestamp: new Date().toISOString(),
          });
      },
      exit: (terminalId) => this.detachLegacy(terminalId),
      moved: (terminalId) => this.detachLegacy(terminalId),
    };
  }

  private detachLegacy(terminalId: string): void {
    const sessionId = this.attached.get(`${LEGACY_TERMINAL}:${terminalId}`);
    this.attached.delete(`${LEGACY_TERMINAL}:${terminalId}`);
    if (sessionId) this.legacyWorkspaces.delete(sessionId);
  }

  send(message: ServerMessage): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  /**
   * Messages are handled strictly in order, as the client sent them — a malformed one's
   * `error` too — except `ping`: it is validated and answered with `pong` on receipt, so a
   * liveness check never waits behind a `terminal.open` that is starting a cell (seconds),
   * which the browser would take for a dead link.
   */
  receive(data: Buffer, isBinary: boolean): void {
    let message: ClientMessage;
    try {
      message = parseMessage(data, isBinary);
    } catch (error) {
      this.queue = this.queue.then(() => this.fail(error));
      return;
    }
    if (message.type === 'ping') {
      this.send({ type: 'pong', ...(message.id !== undefined && { id: message.id }) });
      return;
    }
    this.queue = this.queue.then(() =>
      this.dispatch(message).catch((error: unknown) =>
        this.fail(error, 'terminalId' in message ? message.terminalId : undefined),
      ),
    );
  }

  onFileChange(event: FileChangeEvent): void {
    if (!this.watched.has(event.workspaceId)) return;
    this.send({
      type: 'file.changed',
      workspace: event.workspaceId,
      path: event.path,
      kind: event.type,
      version: event.version,
      source: event.source,
      ...(event.deleted && { deleted: true }),
      ...(event.movedFrom !== undefined && { movedFrom: event.movedFrom }),
    });
  }

  onCellEvent(event: CellEvent): void {
    if (!this.watched.has(event.workspaceId)) return;
    const workspace = event.workspaceId;
    switch (event.type) {
      case 'status':
        this.send({
          type: 'cell.status',
          workspace,
          state: event.state,
          ...(event.reason !== undefined && { reason: event.reason }),
          ...(event.progress !== undefined && { progress: event.progress }),
          ...(event.python !== undefined && { python: event.python }),
        });
        if (event.state === 'ready' && this.legacyWorkspaces.has(workspace))
          this.send({
            type: 'pod_ready',
            sessionId: workspace,
            timestamp: new Date().toISOString(),
          });
        break;
      case 'warning':
        this.send({
          type: 'cell.warning',
          workspace,
          message: event.message,
          stopsAt: event.stopsAt,
        });
        break;
      case 'limit':
        this.send({ type: 'cell.warning', workspace, message: event.message });
        break;
      case 'sync':
        this.send({ type: 'sync.skipped', workspace, path: event.path, reason: event.message });
        break;
    }
  }

  /** The socket went away: its terminals keep running, detached. */
  close(): void {
    this.closed = true;
    for (const [key, workspace] of this.attached) {
      const legacy = key.startsWith(`${LEGACY_TERMINAL}:`);
      const terminalId = legacy ? key.slice(LEGACY_TERMINAL.length + 1) : key;
      this.deps.terminals.detach(workspace, terminalId, legacy ? this.legacySink : this.sink);
    }
    this.attached.clear();
    this.watched.clear();
  }

  private fail(error: unknown, ref?: string): void {
    if (!isWorkcellError(error)) this.deps.log.error({ err: error }, 'websocket message failed');
    const failure = isWorkcellError(error) ? error : new WorkcellError('INTERNAL');
    this.send({
      type: 'error',
      code: failure.code,
      message: failure.message,
      ...(ref !== undefined && { ref }),
    });
  }

  /** Checks the caller owns the workspace (404 otherwise, as over REST) and starts watching it. */
  private async watch(workspace: string): Promise<void> {
    if (this.watched.has(workspace)) return;
    await this.deps.workspaces.getRow(this.caller.id, workspace);
    this.watched.add(workspace);
    const record = await this.deps.cells.record(workspace);
    const running = this.deps.cells.get(workspace);
    const state = running ? 'ready' : record?.state === 'failed' ? 'failed' : 'stopped';
    this.send({
      type: 'cell.status',
      workspace,
      state,
      ...(record?.reason && { reason: record.reason }),
      ...(running?.python != null && { python: running.python }),
    });
  }

  private forgetEndedRun(terminalId: string): boolean {
    return [...this.watched].some((workspace) =>
      this.deps.terminals.forgetEndedRun(workspace, terminalId),
    );
  }

  private workspaceOfTerminal(terminalId: string): string {
    const workspace = this.attached.get(terminalId);
    if (!workspace)
      throw new WorkcellError(
        'TERMINAL_NOT_FOUND',
        `Terminal ${terminalId} is not open on this connection; send terminal.open first.`,
      );
    return workspace;
  }

  private async dispatch(message: Exclude<ClientMessage, { type: 'ping' }>): Promise<void> {
    const { terminals } = this.deps;
    switch (message.type) {
      case 'terminal.open': {
        await this.watch(message.workspace);
        const attachedTo =
          message.terminalId !== undefined ? this.attached.get(message.terminalId) : undefined;
        if (attachedTo !== undefined && attachedTo !== message.workspace) {
          throw new WorkcellError(
            'VALIDATION_FAILED',
            'That terminal id is in use for another workspace on this connection.',
          );
        }
        const opened = await terminals.open(
          message.workspace,
          this.caller.id,
          {
            ...message,
            run: message.run && runOf(message.run),
            cwd: message.cwd ? folderOf(message.cwd) : undefined,
          },
          this.sink,
          (terminal) => {
            this.attached.set(terminal.terminalId, message.workspace);
            this.send({ type: 'terminal.opened', workspace: message.workspace, ...terminal });
          },
        );
        // The socket went away while the terminal opened: it must not hold the output back.
        if (this.closed) terminals.detach(message.workspace, opened.terminalId, this.sink);
        return;
      }
      case 'terminal.input':
        return terminals.input(
          this.workspaceOfTerminal(message.terminalId),
          message.terminalId,
          message.data,
        );
      case 'terminal.resize':
        return terminals.resize(
          this.workspaceOfTerminal(message.terminalId),
          message.terminalId,
          message.cols,
          message.rows,
        );
      case 'terminal.ack':
        terminals.ack(
          this.workspaceOfTerminal(message.terminalId),
          message.terminalId,
          this.sink,
          message.chars,
        );
        return;
      case 'terminal.detach': {
        const workspace = this.workspaceOfTerminal(message.terminalId);
        this.attached.delete(message.terminalId);
        terminals.detach(workspace, message.terminalId, this.sink);
        return;
      }
      case 'terminal.stop':
        return terminals.stop(this.workspaceOfTerminal(message.terminalId), message.terminalId);
      case 'terminal.close': {
        // An ended run is attached to nobody: what is left of it goes with its tab.
        if (!this.attached.has(message.terminalId) && this.forgetEndedRun(message.terminalId))
          return;
        const workspace = this.workspaceOfTerminal(message.terminalId);
        await terminals.close(workspace, message.terminalId);
        return;
      }
      case 'workspace.watch':
        return this.watch(message.workspace);
      case 'workspace.unwatch':
        this.watched.delete(message.workspace);
        return;
      case 'terminal_input':
        return this.legacyInput(message.sessionId, message.input);
    }
  }

  private async legacyInput(workspace: string, input: string): Promise<void> {
    await this.watch(workspace);
    const key = `${LEGACY_TERMINAL}:${LEGACY_TERMINAL}`;
    if (!this.legacyWorkspaces.has(workspace)) {
      if (this.attached.has(key))
        throw new WorkcellError(
          'VALIDATION_FAILED',
          'The prototype protocol serves one workspace per connection.',
        );
      // Marked before the open, so the `ready` of a cell it starts is told as `pod_ready`.
      this.legacyWorkspaces.add(workspace);
      const ready = this.deps.cells.get(workspace);
      try {
        await this.deps.terminals.open(
          workspace,
          this.caller.id,
          { terminalId: LEGACY_TERMINAL, ...LEGACY_SIZE },
          this.legacySink,
          () => this.attached.set(key, workspace),
        );
      } catch (error) {
        this.legacyWorkspaces.delete(workspace);
        throw error;
      }
      if (this.closed) this.deps.terminals.detach(workspace, LEGACY_TERMINAL, this.legacySink);
      if (ready)
        this.send({ type: 'pod_ready', sessionId: workspace, timestamp: new Date().toISOString() });
    }
    await this.deps.terminals.input(workspace, LEGACY_TERMINAL, input);
  }
}

/** A frame as a client message; a WorkcellError (VALIDATION_FAILED, PAYLOAD_TOO_LARGE) if it is none. */
function parseMessage(data: Buffer, isBinary: boolean): ClientMessage {
  if (isBinary) throw new WorkcellError('VALIDATION_FAILED', 'Send messages as JSON text frames.');
  if (data.length > MAX_WS_MESSAGE_BYTES) {
    throw new WorkcellError(
      'PAYLOAD_TOO_LARGE',
      `A message may be at most ${MAX_WS_MESSAGE_BYTES} bytes.`,
    );
  }
  let json: unknown;
  try {
    json = parseBoundedJson(data.toString('utf8'));
  } catch (error) {
    throw new WorkcellError(
      'VALIDATION_FAILED',
      error instanceof JsonTooDeepError ? error.message : 'The message is not valid JSON.',
    );
  }
  const parsed = clientMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WorkcellError(
      'VALIDATION_FAILED',
      `Invalid message: ${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'unknown shape'}.`,
    );
  }
  return parsed.data;
}

/** A shell's starting folder, normalised; INVALID_PATH or INVALID_NAME for a path that is none. */
function folderOf(cwd: string): string {
  const path = normaliseWorkspacePath(cwd);
  if (!path.ok)
    throw new WorkcellError(path.code, `The terminal's folder is not usable: ${path.reason}.`);
  return path.path;
}

/** The run with its path normalised; INVALID_PATH or INVALID_NAME for a path that is none. */
function runOf(run: TerminalRun): TerminalRun {
  const path = normaliseWorkspacePath(run.path);
  if (!path.ok) throw new WorkcellError(path.code, `The run's path is not usable: ${path.reason}.`);
  return { ...run, path: path.path };
}
