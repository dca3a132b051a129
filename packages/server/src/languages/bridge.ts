/**
 * One browser LSP socket bridged to one pyright in the workspace's cell. The browser sends
 * one JSON-RPC message per text frame (Monaco's WebSocketTransport); each is size-limited,
 * validated, its URIs mapped from `file:///workspace/` to the cell's directory, and passed
 * on Content-Length framed. On the way the bridge does what pyright needs of a browser
 * client (notes/web-toolchain.md §5): it sets rootUri and workspaceFolders in `initialize`,
 * removes the pull-diagnostics capability (so pyright pushes diagnostics), and answers
 * pyright's settings and refresh requests itself. It reports the server's state as
 * `$/workcell/status` notifications and restarts a crashed pyright with backoff, telling
 * the new one the initialize parameters and the open documents again.
 */
import { JsonTooDeepError, parseBoundedJson } from '@workcell/protocol';
import type { FastifyBaseLogger } from 'fastify';

import type { ServerMetrics } from '../metrics/server-metrics';
import { OpenDocuments } from './documents';
import {
  isRequest,
  jsonRpcMessage,
  MAX_LSP_MESSAGE_BYTES,
  RpcErrors,
  type JsonRpcId,
  type JsonRpcMessage,
} from './jsonrpc';
import type { PyrightProcess } from './pyright-process';
import { answerServerRequest } from './server-requests';
import { CLIENT_ROOT_URI, rewriteUris, type UriMapping } from './uris';

export type LspStatus = 'starting' | 'ready' | 'restarting' | 'failed';
export const STATUS_METHOD = '$/workcell/status';

/** WebSocket close codes the bridge uses. */
export const LspCloseCodes = {
  unsupportedData: 1003,
  /** The message is valid JSON nobody sends in good faith (nested too deep). */
  policy: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
  /** A newer tab of the same workspace took the language server over. */
  superseded: 4000,
  /** The workspace's cell stopped. */
  cellStopped: 4001,
} as const;

/** The part of a WebSocket the bridge uses. */
export interface LspSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  readonly bufferedAmount: number;
}

export interface BridgeOptions {
  /** The cell's workspace directory as a URI (`file:///app`). */
  cellRootUri: string;
  /** Starts a fresh pyright (after a crash). */
  start(): Promise<PyrightProcess>;
  /** The bridge closed: the process is handed back (alive or not), with didClose for its documents. */
  release(process: PyrightProcess | undefined, closes: { method: string; params: unknown }[]): void;
  /** The browser did something: the workspace is in use. */
  activity(): void;
  log: FastifyBaseLogger;
  metrics: ServerMetrics;
}

/** Past this the browser is not reading what it asked for: the socket is closed. */
const MAX_CLIENT_BACKLOG_BYTES = 16 * 1024 * 1024;
/** Messages held while pyright (re)starts; more close the socket. */
const MAX_QUEUED = 1000;
const RESTART_DELAYS_MS = [500, 2_000, 8_000];
/** A server that ran this long without crashing starts the backoff afresh. */
const STABLE_AFTER_MS = 60_000;
const REPLAY_ID_PREFIX = 'workcell-initialize-';
/**
 * Requests timed under their own method name; any other is timed as `other`, so that a
 * browser cannot make up metric series by making up methods.
 */
const TIMED_METHODS = new Set([
  'textDocument/completion',
  'completionItem/resolve',
  'textDocument/hover',
  'textDocument/signatureHelp',
  'textDocument/definition',
  'textDocument/declaration',
  'textDocument/typeDefinition',
  'textDocument/references',
  'textDocument/documentHighlight',
  'textDocument/documentSymbol',
  'textDocument/prepareRename',
  'textDocument/rename',
  'textDocument/codeAction',
  'textDocument/semanticTokens/full',
  'textDocument/semanticTokens/range',
  'textDocument/inlayHint',
  'workspace/symbol',
]);

export class LspBridge {
  private process: PyrightProcess | undefined;
  private readonly queue: JsonRpcMessage[] = [];
  private readonly docs = new OpenDocuments();
  /**
   * Browser requests pyright has not answered, to fail them if it dies, each with the end
   * of its timer.
   */
  private readonly pending = new Map<JsonRpcId, () => void>();
  private initializeParams: Record<string, unknown> | undefined;
  private initializeId: JsonRpcId | undefined;
  /** The browser's `initialized` is not passed to a server that had it already. */
  private dropInitialized = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private replayCount = 0;
  private closed = false;
  private readonly toCell: UriMapping;
  private readonly toClient: UriMapping;
  readonly openedAt = Date.now();

  constructor(
    private readonly socket: LspSocket,
    private readonly options: BridgeOptions,
  ) {
    this.toCell = { from: CLIENT_ROOT_URI, to: options.cellRootUri };
    this.toClient = { from: options.cellRootUri, to: CLIENT_ROOT_URI };
    this.status('starting');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Gives the bridge its pyright: a new one, or one an earlier socket initialised. */
  use(process: PyrightProcess): void {
    if (this.closed) {
      this.options.release(process, []);
      return;
    }
    this.process = process;
    process.attach({
      message: (message) => this.fromServer(message),
      exit: (why) => this.crashed(why),
    });
    if (process.initializeResult !== undefined) {
      // Already initialised by an earlier socket: this browser gets its answer from us.
      this.status('ready');
    }
    const queued = this.queue.splice(0);
    for (const message of queued) this.toServer(message);
  }

  /** The server could not be started at all. */
  fail(message: string): void {
    this.status('failed', message);
  }

  receive(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) return this.close(LspCloseCodes.unsupportedData, 'Send JSON-RPC as text frames.');
    if (data.length > MAX_LSP_MESSAGE_BYTES) {
      return this.close(
        LspCloseCodes.tooBig,
        `Messages are limited to ${MAX_LSP_MESSAGE_BYTES} bytes.`,
      );
    }
    let json: unknown;
    try {
      json = parseBoundedJson(data.toString('utf8'));
    } catch (error) {
      if (error instanceof JsonTooDeepError) return this.close(LspCloseCodes.policy, error.message);
      return this.reply(null, { code: RpcErrors.parse, message: 'The message is not JSON.' });
    }
    const parsed = jsonRpcMessage.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown } | null)?.id;
      return this.reply(typeof id === 'number' || typeof id === 'string' ? id : null, {
        code: RpcErrors.invalidRequest,
        message: 'The message is not a JSON-RPC 2.0 request, notification or response.',
      });
    }
    this.options.activity();
    const message = rewriteUris(parsed.data, this.toCell) as JsonRpcMessage;
    if (isRequest(message)) {
      if (message.method === 'initialize' && message.id !== undefined) {
        return this.toServer(this.initialize(message.id, message.params));
      }
      // The bridge owns the server's lifetime (it may outlive this socket): not the browser.
      if (message.method === 'shutdown' && message.id !== undefined)
        return this.reply(message.id, undefined, null);
      if (message.method === 'exit') return this.close(1000, 'exit');
      if (message.id === undefined) this.docs.follow(message.method, message.params);
      else this.pending.set(message.id, this.timeRequest(message.method));
    }
    this.toServer(message);
  }

  /** Closes the socket and hands the server back. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.socketClosed();
    this.socket.close(code, reason);
  }

  /** The socket is gone (or going): stop, and hand the server back. */
  socketClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.restartTimer);
    const process = this.process;
    this.process = undefined;
    this.options.release(process, this.docs.closeNotifications());
  }

  private initialize(id: JsonRpcId, params: unknown): JsonRpcMessage {
    const patched: Record<string, unknown> = {
      ...(params && typeof params === 'object' && !Array.isArray(params) ? params : {}),
    };
    // Monaco sends rootUri: null; pyright needs the workspace to find its files.
    patched.rootUri = this.options.cellRootUri;
    patched.rootPath = new URL(this.options.cellRootUri).pathname;
    patched.workspaceFolders = [{ uri: this.options.cellRootUri, name: 'workspace' }];
    // Without pull diagnostics pyright pushes them (publishDiagnostics), which is what the
    // browser shows; with them, its refresh requests can make it exit.
    const capabilities = { ...(patched.capabilities as Record<string, unknown> | undefined) };
    const textDocument = { ...(capabilities.textDocument as Record<string, unknown> | undefined) };
    delete textDocument.diagnostic;
    patched.capabilities = { ...capabilities, textDocument };
    this.initializeParams = patched;
    return { jsonrpc: '2.0', id, method: 'initialize', params: patched };
  }

  private toServer(message: JsonRpcMessage): void {
    if (!this.process || !this.process.alive) {
      if (this.queue.length >= MAX_QUEUED)
        return this.close(LspCloseCodes.tryAgainLater, 'The language server is not ready.');
      this.queue.push(message);
      return;
    }
    if (isRequest(message) && message.method === 'initialize' && message.id !== undefined) {
      const cached = this.process.initializeResult;
      if (cached !== undefined) {
        // A server an earlier socket initialised cannot be initialised again: this
        // browser gets the answer the server gave, and its `initialized` goes nowhere.
        this.dropInitialized = true;
        return this.reply(message.id, undefined, rewriteUris(cached, this.toClient));
      }
      this.initializeId = message.id;
    } else if (isRequest(message) && message.method === 'initialized' && this.dropInitialized) {
      this.dropInitialized = false;
      return;
    }
    this.process.send(message);
  }

  private fromServer(raw: unknown): void {
    const process = this.process;
    if (!process || this.closed) return;
    if (answerServerRequest(process, raw)) return;
    if (typeof raw !== 'object' || raw === null) return;
    const message = raw as { id?: JsonRpcId; method?: string; result?: unknown };
    if (message.method === undefined && message.id !== undefined) {
      if (typeof message.id === 'string' && message.id.startsWith(REPLAY_ID_PREFIX)) {
        return this.replayed(process, message.result);
      }
      if (message.id === this.initializeId) {
        this.initializeId = undefined;
        process.initializeResult = message.result;
        this.status('ready');
      }
      this.pending.get(message.id)?.();
      this.pending.delete(message.id);
    }
    this.sendToClient(rewriteUris(raw, this.toClient));
  }

  /** A restarted server answered the replayed initialize: bring it up to date. */
  private replayed(process: PyrightProcess, result: unknown): void {
    process.initializeResult = result;
    if (this.initializeId !== undefined) {
      // The first server died before answering the browser's initialize: this is its answer.
      this.reply(this.initializeId, undefined, rewriteUris(result, this.toClient));
      this.initializeId = undefined;
    }
    process.send({ jsonrpc: '2.0', method: 'initialized', params: {} });
    for (const open of this.docs.openNotifications()) process.send({ jsonrpc: '2.0', ...open });
    this.status('ready');
  }

  private crashed(why: string): void {
    const process = this.process;
    this.process = undefined;
    if (this.closed || !process) return;
    this.options.log.warn({ why }, 'the language server stopped');
    for (const id of this.pending.keys()) {
      this.reply(id, {
        code: RpcErrors.serverCancelled,
        message: 'The language server restarted.',
      });
    }
    this.pending.clear();
    if (Date.now() - process.startedAt > STABLE_AFTER_MS) this.restarts = 0;
    const delay = RESTART_DELAYS_MS[this.restarts++];
    if (delay === undefined || why === 'the cell stopped') return this.status('failed', why);
    this.status('restarting', why);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    let process: PyrightProcess;
    try {
      process = await this.options.start();
    } catch (error) {
      if (!this.closed) this.crashed(`restarting failed: ${(error as Error).message}`);
      return;
    }
    if (this.closed) return this.options.release(process, []);
    this.process = process;
    process.attach({
      message: (message) => this.fromServer(message),
      exit: (why) => this.crashed(why),
    });
    if (this.initializeParams) {
      const id = `${REPLAY_ID_PREFIX}${++this.replayCount}`;
      process.send({ jsonrpc: '2.0', id, method: 'initialize', params: this.initializeParams });
    }
    for (const message of this.queue.splice(0)) this.toServer(message);
  }

  /** Starts timing a request; the returned function ends the timer when pyright answers. */
  private timeRequest(method: string): () => void {
    const end = this.options.metrics.lspRequestDuration.startTimer({
      method: TIMED_METHODS.has(method) ? method : 'other',
    });
    return () => void end();
  }

  private status(state: LspStatus, message?: string): void {
    this.sendToClient({
      jsonrpc: '2.0',
      method: STATUS_METHOD,
      params: message === undefined ? { state } : { state, message: message.slice(0, 500) },
    });
  }

  private reply(
    id: JsonRpcId | null,
    error: { code: number; message: string } | undefined,
    result?: unknown,
  ): void {
    this.sendToClient(
      error ? { jsonrpc: '2.0', id, error } : { jsonrpc: '2.0', id, result: result ?? null },
    );
  }

  private sendToClient(message: unknown): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > MAX_CLIENT_BACKLOG_BYTES) {
      return this.close(LspCloseCodes.tryAgainLater, 'The client is not reading its messages.');
    }
    this.socket.send(JSON.stringify(message));
  }
}
