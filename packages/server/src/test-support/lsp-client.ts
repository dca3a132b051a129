/**
 * A language-server client for tests and benchmarks, speaking to the LSP route as the
 * browser's Monaco client does: one JSON-RPC message per text frame, files named
 * `file:///workspace/<path>`. Keeps every notification, so a test can wait for one.
 */
import WebSocket from 'ws';

import type { LiveServer, LiveUser } from './live-server';

export interface Notification {
  method: string;
  params: Record<string, unknown>;
}

export interface Diagnostic {
  message: string;
  range: { start: { line: number; character: number } };
}

const REQUEST_TIMEOUT_MS = 30_000;

export class LspClient {
  readonly notifications: Notification[] = [];
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve(result: unknown): void; reject(error: Error): void }
  >();
  private readonly watchers = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as {
        id?: number | string | null;
        method?: string;
        params?: Record<string, unknown>;
        result?: unknown;
        error?: { code: number; message: string };
      };
      if (message.method !== undefined && message.id !== undefined) {
        // A request of the server's: answered as Monaco would (nothing to add).
        this.sendRaw({ jsonrpc: '2.0', id: message.id, result: null });
      } else if (message.method !== undefined) {
        this.notifications.push({ method: message.method, params: message.params ?? {} });
      } else if (typeof message.id === 'number' && this.waiting.has(message.id)) {
        const pending = this.waiting.get(message.id)!;
        this.waiting.delete(message.id);
        if (message.error)
          pending.reject(new Error(`${message.error.code} ${message.error.message}`));
        else pending.resolve(message.result);
      } else {
        this.notifications.push({
          method: '(response)',
          params: message,
        });
      }
      for (const watcher of this.watchers) watcher();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static url(server: LiveServer, workspace: string): string {
    return `${server.baseUrl.replace(/^http/, 'ws')}/api/workspace/${workspace}/lsp`;
  }

  static async connect(server: LiveServer, user: LiveUser, workspace: string): Promise<LspClient> {
    const socket = new WebSocket(LspClient.url(server, workspace), {
      headers: { authorization: `Bearer ${user.token}` },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
    });
    return new LspClient(socket);
  }

  /** initialize + initialized, as Monaco sends them (rootUri null). */
  async initialize(): Promise<Record<string, unknown>> {
    const result = await this.request('initialize', {
      processId: null,
      rootUri: null,
      capabilities: {
        textDocument: {
          completion: { completionItem: { snippetSupport: true } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: {},
          diagnostic: { dynamicRegistration: false },
        },
        workspace: { configuration: true },
      },
    });
    this.notify('initialized', {});
    return result as Record<string, unknown>;
  }

  request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    this.sendRaw({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${method} got no answer within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  notify(method: string, params: unknown): void {
    this.sendRaw({ jsonrpc: '2.0', method, params });
  }

  sendRaw(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  open(path: string, text: string): string {
    const uri = `file:///workspace/${path}`;
    this.notify('textDocument/didOpen', {
      textDocument: { uri, languageId: 'python', version: 1, text },
    });
    return uri;
  }

  /** Resolves with the first notification (from now or earlier) that `match` accepts. */
  waitFor<T>(
    match: (notification: Notification) => T | undefined,
    what: string,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const notification of this.notifications) {
          const found = match(notification);
          if (found !== undefined) {
            finish();
            resolve(found);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.watchers.delete(check);
      };
      this.watchers.add(check);
      check();
    });
  }

  /** The latest diagnostics published for `uri` that `match` accepts. */
  diagnostics(uri: string, match: (diagnostics: Diagnostic[]) => boolean, what: string) {
    return this.waitFor((n) => {
      if (n.method !== 'textDocument/publishDiagnostics' || n.params.uri !== uri) return undefined;
      const latest = this.notifications
        .filter((m) => m.method === n.method && m.params.uri === uri)
        .at(-1)!.params.diagnostics as Diagnostic[];
      return match(latest) ? latest : undefined;
    }, what);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}
