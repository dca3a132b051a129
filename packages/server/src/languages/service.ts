/**
 * The Python language servers of all workspaces. Each browser LSP socket gets its own
 * pyright process (LSP has one client per server: sharing one between tabs would mean
 * rewriting ids and reconciling two views of the same open files), and a workspace has
 * at most `maxPerWorkspace` of them: a further socket closes the oldest (4000) and takes
 * its server over. When a socket closes its server stays up, idle, for `idleMs` with the
 * documents closed, so a reloaded page does not pay pyright's cold start again; then it
 * is stopped. Everything lives in the cell and goes when the cell stops.
 */
import type { FastifyBaseLogger } from 'fastify';

import type { Cell, CellAttachment, CellManager } from '../cells/manager';
import type { ServerMetrics } from '../metrics/server-metrics';
import { LspBridge, LspCloseCodes, STATUS_METHOD, type LspSocket } from './bridge';
import { MAX_LSP_MESSAGE_BYTES } from './jsonrpc';
import { PyrightProcess } from './pyright-process';
import { answerServerRequest } from './server-requests';
import { fileUri } from './uris';

export interface LanguageServerOptions {
  /** How long a server outlives its last socket. */
  idleMs: number;
  /** Servers (live and idle) a workspace may have at once. */
  maxPerWorkspace: number;
}

const ATTACHMENT_KEY = 'languages';
/**
 * ~190 MiB each, inside the cell's memory limit: one per workspace, so a second tab takes
 * the server over (the first is told, and can take it back).
 */
export const LSP_SERVERS_PER_WORKSPACE = 1;
/** Messages held while the cell starts (a didOpen of a large file, with room). */
const MAX_EARLY_BYTES = 2 * MAX_LSP_MESSAGE_BYTES;
/** LSP FileChangeType. */
const FILE_CREATED = 1;
const FILE_DELETED = 3;

/** One cell's language servers: the sockets' bridges and the idle servers. */
class CellLanguageServers implements CellAttachment {
  readonly bridges: LspBridge[] = [];
  private readonly idle = new Map<PyrightProcess, NodeJS.Timeout>();
  /** Every pyright started here (live or not yet pruned), to tell of file changes. */
  private readonly processes = new Set<PyrightProcess>();
  private readonly stopWatching: () => void;

  constructor(
    private readonly cell: Cell,
    private readonly options: LanguageServerOptions,
    private readonly log: FastifyBaseLogger,
    private readonly metrics: ServerMetrics,
  ) {
    this.stopWatching = cell.agent.on('watch.changes', ({ changes }) => this.filesChanged(changes));
  }

  private async start(): Promise<PyrightProcess> {
    const process = await PyrightProcess.start(this.cell);
    this.processes.add(process);
    return process;
  }

  /**
   * pyright does not see the cell's files change by itself, and its import resolution
   * keeps a module made after it started unknown: the agent's watch (which sees the
   * editor's saves land as well as the terminal's writes) tells it. A change is reported
   * as a creation, since the watch does not say which it was.
   */
  private filesChanged(changes: readonly { path: string; kind: 'changed' | 'deleted' }[]): void {
    const relevant = changes.filter((c) => c.kind === 'deleted' || /\.pyi?$/.test(c.path));
    if (relevant.length === 0) return;
    const params = {
      changes: relevant.map((c) => ({
        uri: fileUri(`${this.cell.layout.root}/${c.path}`),
        type: c.kind === 'deleted' ? FILE_DELETED : FILE_CREATED,
      })),
    };
    for (const process of this.processes) {
      if (!process.alive) this.processes.delete(process);
      else process.send({ jsonrpc: '2.0', method: 'workspace/didChangeWatchedFiles', params });
    }
  }

  /** Adds a socket: makes room, then gives it an idle server or starts one. */
  async connect(socket: LspSocket, log: FastifyBaseLogger): Promise<LspBridge> {
    const bridge = new LspBridge(socket, {
      cellRootUri: fileUri(this.cell.layout.root),
      start: () => this.start(),
      release: (process, closes) => this.release(bridge, process, closes),
      activity: () => this.cellActivity(),
      log,
      metrics: this.metrics,
    });
    this.bridges.push(bridge);
    while (this.bridges.length > this.options.maxPerWorkspace) {
      this.bridges[0]!.close(
        LspCloseCodes.superseded,
        'Another tab of this workspace took over its language server.',
      );
    }
    const reused = this.takeIdle();
    if (reused) {
      bridge.use(reused);
      await reused.refreshInterpreter();
    } else {
      try {
        bridge.use(await this.start());
      } catch (error) {
        bridge.fail(`The language server could not start: ${(error as Error).message}`);
      }
    }
    return bridge;
  }

  /** Set by the service: marks the workspace as in use. */
  cellActivity: () => void = () => undefined;

  dispose(): void {
    this.stopWatching();
    for (const bridge of [...this.bridges])
      bridge.close(LspCloseCodes.cellStopped, 'The workspace cell stopped.');
    for (const [process, timer] of this.idle) {
      clearTimeout(timer);
      process.kill('the cell stopped');
    }
    this.idle.clear();
  }

  private takeIdle(): PyrightProcess | undefined {
    for (const [process, timer] of this.idle) {
      clearTimeout(timer);
      this.idle.delete(process);
      if (process.alive) return process;
    }
    return undefined;
  }

  private release(
    bridge: LspBridge,
    process: PyrightProcess | undefined,
    closes: { method: string; params: unknown }[],
  ): void {
    const index = this.bridges.indexOf(bridge);
    if (index >= 0) this.bridges.splice(index, 1);
    if (!process?.alive) return;
    // Only an initialised server can be handed over (it cannot be initialised twice
    // with other parameters); and never more servers than the cap.
    if (
      process.initializeResult === undefined ||
      this.bridges.length + this.idle.size >= this.options.maxPerWorkspace
    ) {
      process.kill('no longer needed');
      return;
    }
    for (const close of closes) process.send({ jsonrpc: '2.0', ...close });
    process.attach({
      message: (message) => void answerServerRequest(process, message),
      exit: () => {
        clearTimeout(this.idle.get(process));
        this.idle.delete(process);
      },
    });
    const timer = setTimeout(() => {
      this.idle.delete(process);
      process.kill('idle');
      this.log.info({ workspaceId: this.cell.workspaceId }, 'idle language server stopped');
    }, this.options.idleMs);
    timer.unref();
    this.idle.set(process, timer);
  }
}

export class LanguageServerService {
  constructor(
    private readonly cells: CellManager,
    private readonly options: LanguageServerOptions,
    private readonly log: FastifyBaseLogger,
    private readonly metrics: ServerMetrics,
  ) {}

  /**
   * Bridges `socket` to a language server of the workspace, starting its cell if needed.
   * Returns the bridge (its `receive` takes the socket's messages) at once: messages wait
   * while the cell and the server start, and the bridge reports progress as status.
   */
  connect(
    workspaceId: string,
    ownerId: string,
    socket: LspSocket,
    log: FastifyBaseLogger,
  ): { receive(data: Buffer, isBinary: boolean): void; closed(): void } {
    let bridge: LspBridge | undefined;
    let closed = false;
    const early: [Buffer, boolean][] = [];
    let earlyBytes = 0;
    // At once: starting the cell may take seconds, and the browser should say so.
    socket.send(
      JSON.stringify({ jsonrpc: '2.0', method: STATUS_METHOD, params: { state: 'starting' } }),
    );
    void (async () => {
      let cell: Cell;
      try {
        cell = await this.cells.ensure(workspaceId, ownerId);
      } catch (error) {
        socket.send(
          JSON.stringify({
            jsonrpc: '2.0',
            method: STATUS_METHOD,
            params: { state: 'failed', message: (error as Error).message.slice(0, 500) },
          }),
        );
        socket.close(1011, 'The workspace cell could not start.');
        return;
      }
      if (closed) return;
      const servers = cell.attachment(ATTACHMENT_KEY, (c) => {
        const created = new CellLanguageServers(c, this.options, this.log, this.metrics);
        created.cellActivity = () => this.cells.touch(workspaceId);
        return created;
      });
      const pending = servers.connect(socket, log);
      // The bridge exists synchronously inside connect; messages can flow to it at once.
      bridge = servers.bridges.at(-1);
      for (const [data, isBinary] of early.splice(0)) bridge?.receive(data, isBinary);
      await pending;
    })().catch((error: unknown) => this.log.error({ err: error }, 'LSP connection failed'));
    return {
      receive: (data, isBinary) => {
        if (bridge) bridge.receive(data, isBinary);
        else if (earlyBytes + data.length <= MAX_EARLY_BYTES) {
          // Held, bounded, until the cell is up; the bridge validates them then.
          early.push([data, isBinary]);
          earlyBytes += data.length;
        } else socket.close(LspCloseCodes.tryAgainLater, 'The workspace cell is still starting.');
      },
      closed: () => {
        closed = true;
        bridge?.socketClosed();
      },
    };
  }
}
