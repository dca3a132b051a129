/**
 * A WebSocket client for end-to-end tests and benchmarks that behaves like the browser:
 * it keeps every terminal's output in a headless xterm (the screen a user would see),
 * acknowledges output as it renders it (as xterm.js's write callback does), and offers
 * waits with deadlines instead of sleeps. Control messages are kept in arrival order;
 * terminal output goes to its terminal, with a bounded tail of text to wait on.
 */
import type { RunRequest, ServerMessage } from '@workcell/protocol';
import headless from '@xterm/headless';
import WebSocket from 'ws';

import { waitFor } from './wait';

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Escape sequences (CSI, OSC, charset and keypad selection) and carriage returns. */
const ESCAPES =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78cM]|\r/g;

/** The text of terminal output without escape sequences (bracketed paste included). */
export function plain(output: string): string {
  return output.replace(ESCAPES, '');
}

let markers = 0;

/**
 * A shell command printing a unique marker, and the marker. The command's own echo never
 * contains the marker (printf assembles it), so seeing it means the command ran.
 */
export function marker(tag = 'M'): { command: string; text: string; echo: string } {
  markers += 1;
  const id = `${process.pid}x${markers}`;
  return { command: `printf '%s_%s\\n' ${tag} ${id}`, text: `${tag}_${id}`, echo: `${tag} ${id}` };
}

export interface ConnectOptions {
  token?: string;
  /** Send the token as `?token=` instead of `Authorization: Bearer`. */
  tokenInQuery?: boolean;
  cookie?: string;
  origin?: string;
}

export interface TerminalOptions {
  /** Keep a headless xterm of the screen (default true); off for floods and benchmarks. */
  render?: boolean;
  /** Acknowledge output once rendered (default true), as a browser does. */
  autoAck?: boolean;
}

type Opened = Extract<ServerMessage, { type: 'terminal.opened' }>;

/** Only this much of a terminal's output text is kept to wait on. */
const TAIL_CHARS = 1 << 20;

export class TerminalView {
  readonly screen: headless.Terminal | undefined;
  autoAck: boolean;
  /** Output characters received since the terminal was opened. */
  receivedChars = 0;
  /** Output characters not acknowledged yet (only when not auto-acking). */
  unackedChars = 0;
  exited: { code: number | null; signal: string | null } | undefined;
  private tail = '';
  private tailStart = 0;
  private readonly listeners = new Set<(data: string) => void>();

  constructor(
    private readonly client: WsClient,
    readonly opened: Opened,
    options: TerminalOptions,
  ) {
    this.autoAck = options.autoAck ?? true;
    if (options.render ?? true) {
      this.screen = new headless.Terminal({
        cols: opened.cols,
        rows: opened.rows,
        scrollback: 5000,
        allowProposedApi: true,
      });
      // What the browser does on (re)attach: reset, then write the snapshot.
      this.screen.reset();
      this.screen.write(opened.replay);
    }
  }

  get id(): string {
    return this.opened.terminalId;
  }

  /** Called by the client for each `terminal.output`. */
  receive(data: string): void {
    this.receivedChars += data.length;
    this.tail += data;
    if (this.tail.length > TAIL_CHARS) {
      const cut = this.tail.length - TAIL_CHARS / 2;
      this.tail = this.tail.slice(cut);
      this.tailStart += cut;
    }
    for (const listener of this.listeners) listener(data);
    const ack = () => {
      if (this.autoAck)
        this.client.send({ type: 'terminal.ack', terminalId: this.id, chars: data.length });
      else this.unackedChars += data.length;
    };
    if (this.screen) this.screen.write(data, ack);
    else ack();
  }

  /** Subscribes to raw output as it arrives (benchmarks); returns the unsubscribe. */
  onOutput(listener: (data: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Acknowledges everything received and not acknowledged yet. */
  ackAll(): void {
    if (this.unackedChars === 0) return;
    this.client.send({ type: 'terminal.ack', terminalId: this.id, chars: this.unackedChars });
    this.unackedChars = 0;
  }

  input(data: string): void {
    this.client.send({ type: 'terminal.input', terminalId: this.id, data });
  }

  /** Types a line and presses Enter. */
  type(line: string): void {
    this.input(`${line}\r`);
  }

  /** A position in the output, for waits on what comes after it. */
  mark(): number {
    return this.receivedChars;
  }

  /** Output since `from` (a mark) as plain text (as far as the kept tail reaches). */
  textSince(from = 0): string {
    return plain(this.tail.slice(Math.max(0, from - this.tailStart)));
  }

  async waitForText(
    expected: string | RegExp,
    from = 0,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<string> {
    const matches = (text: string) =>
      typeof expected === 'string' ? text.includes(expected) : expected.test(text);
    return waitFor(
      () => {
        const text = this.textSince(from);
        return matches(text) && text;
      },
      `${JSON.stringify(String(expected))} in terminal ${this.id} (got …${JSON.stringify(this.textSince(from).slice(-300))})`,
      timeoutMs,
    );
  }

  /**
   * Runs a command line and returns its output: the plain text between the Enter and a
   * marker printed after it.
   */
  async run(command: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const end = marker('END');
    const from = this.mark();
    this.type(`${command}; ${end.command}`);
    const text = await this.waitForText(end.text, from, timeoutMs);
    const body = text.slice(0, text.indexOf(end.text));
    // Drop everything up to the echoed command line itself.
    const newline = body.indexOf('\n', body.lastIndexOf(end.echo));
    return newline < 0 ? '' : body.slice(newline + 1);
  }

  /** The lines of the screen's active buffer (viewport only unless `all`), trailing blanks trimmed. */
  async screenLines(all = false): Promise<string[]> {
    const screen = this.screen;
    if (!screen) throw new Error('this terminal is not rendered');
    await new Promise<void>((resolve) => screen.write('', resolve));
    const buffer = screen.buffer.active;
    const start = all ? 0 : buffer.viewportY;
    const end = all ? buffer.length : buffer.viewportY + screen.rows;
    const lines: string[] = [];
    for (let i = start; i < end; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  async screenText(all = false): Promise<string> {
    return (await this.screenLines(all)).join('\n');
  }

  /** `normal` or `alternate` (full-screen programs). */
  async bufferType(): Promise<string> {
    await this.screenLines();
    return this.screen!.buffer.active.type;
  }

  dispose(): void {
    this.screen?.dispose();
    this.listeners.clear();
  }
}

export class WsClient {
  /** Every message except terminal output, in arrival order. */
  readonly messages: ServerMessage[] = [];
  readonly terminals = new Map<string, TerminalView>();
  private readonly pendingOptions: TerminalOptions[] = [];
  private readonly messageListeners = new Set<(message: ServerMessage) => void>();
  private closed: Promise<{ code: number }>;

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve({ code })));
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) throw new Error('the server sent a binary frame');
      this.receive(JSON.parse(data.toString('utf8')) as ServerMessage);
    });
  }

  static url(base: string, options: ConnectOptions): string {
    return options.token && options.tokenInQuery
      ? `${base}?token=${encodeURIComponent(options.token)}`
      : base;
  }

  static headers(options: ConnectOptions): Record<string, string> {
    return {
      ...(options.token && !options.tokenInQuery && { authorization: `Bearer ${options.token}` }),
      ...(options.cookie && { cookie: options.cookie }),
      ...(options.origin && { origin: options.origin }),
    };
  }

  static async connect(url: string, options: ConnectOptions): Promise<WsClient> {
    const socket = new WebSocket(WsClient.url(url, options), {
      headers: WsClient.headers(options),
      // The browser's Origin only when asked for: `ws` would otherwise send none.
      ...(options.origin && { origin: options.origin }),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`the upgrade was refused with ${response.statusCode}`)),
      );
    });
    return new WsClient(socket);
  }

  /** Attempts an upgrade expected to fail; returns the HTTP status and JSON body. */
  static async refused(
    url: string,
    options: ConnectOptions,
  ): Promise<{ status: number; contentType: string; body: unknown }> {
    const socket = new WebSocket(WsClient.url(url, options), {
      headers: WsClient.headers(options),
      ...(options.origin && { origin: options.origin }),
    });
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        socket.terminate();
        reject(new Error('the upgrade was accepted'));
      });
      socket.once('error', () => undefined);
      socket.once('unexpected-response', (_request, response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: the test says so
          }
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'] ?? '',
            body,
          });
          socket.terminate();
        });
      });
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message: object | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendBinary(data: Buffer): void {
    this.socket.send(data, { binary: true });
  }

  /** Hears every message as it arrives, terminal output too (benchmarks); returns the unsubscribe. */
  onMessage(listener: (message: ServerMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  private receive(message: ServerMessage): void {
    for (const listener of this.messageListeners) listener(message);
    if (message.type === 'terminal.output') {
      this.terminals.get(message.terminalId)?.receive(message.data);
      return;
    }
    if (message.type === 'terminal.opened') {
      const options = this.pendingOptions.shift() ?? {};
      this.terminals.get(message.terminalId)?.dispose();
      this.terminals.set(message.terminalId, new TerminalView(this, message, options));
    }
    if (message.type === 'terminal.exit') {
      const terminal = this.terminals.get(message.terminalId);
      if (terminal) terminal.exited = { code: message.code, signal: message.signal };
    }
    this.messages.push(message);
  }

  /** The first message at index `from` or later that matches; waits for it. */
  async next<T extends ServerMessage['type']>(
    type: T,
    match: (message: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    from = 0,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    pollMs = 20,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    return waitFor(
      () =>
        this.messages
          .slice(from)
          .find(
            (m): m is Extract<ServerMessage, { type: T }> =>
              m.type === type && match(m as Extract<ServerMessage, { type: T }>),
          ),
      `a ${type} message (received: ${this.messages
        .slice(from)
        .slice(-5)
        .map((m) => JSON.stringify(m).slice(0, 200))
        .join(', ')})`,
      timeoutMs,
      pollMs,
    );
  }

  /** The index the next message will have, for `next(…, from)`. */
  mark(): number {
    return this.messages.length;
  }

  /**
   * Sends a ping and waits for its pong: the link is alive. The server answers a ping on
   * receipt, so this is no sign that messages sent before it have been handled.
   */
  async ping(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const id = Math.floor(Math.random() * 1e9);
    const from = this.mark();
    this.send({ type: 'ping', id });
    await this.next('pong', (m) => m.id === id, from, timeoutMs);
  }

  /** Opens (or reattaches to) a terminal; resolves with its view once `terminal.opened` came. */
  async open(
    workspace: string,
    options: TerminalOptions & {
      terminalId?: string;
      cols?: number;
      rows?: number;
      run?: RunRequest;
      cwd?: string;
    } = {},
    timeoutMs = 90_000,
  ): Promise<TerminalView> {
    const from = this.mark();
    this.pendingOptions.push(options);
    this.send({
      type: 'terminal.open',
      workspace,
      cols: options.cols ?? 100,
      rows: options.rows ?? 30,
      ...(options.terminalId !== undefined && { terminalId: options.terminalId }),
      ...(options.run && { run: options.run }),
      ...(options.cwd !== undefined && { cwd: options.cwd }),
    });
    const reply = await waitFor(
      () =>
        this.messages
          .slice(from)
          .find(
            (m) =>
              (m.type === 'terminal.opened' && m.workspace === workspace) || m.type === 'error',
          ),
      `terminal.opened for ${workspace}`,
      timeoutMs,
    );
    if (reply.type === 'error') {
      this.pendingOptions.splice(this.pendingOptions.indexOf(options), 1);
      throw new Error(`terminal.open failed: ${reply.code}: ${reply.message}`);
    }
    return this.terminals.get((reply as Opened).terminalId)!;
  }

  /** Waits for the shell prompt (`…$ `) of a fresh terminal, in the replay or live. */
  static async prompt(terminal: TerminalView, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await waitFor(
      () => /\$ $/m.test(plain(terminal.opened.replay) + terminal.textSince(0)),
      `the prompt in terminal ${terminal.id}`,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.closed;
    for (const terminal of this.terminals.values()) terminal.dispose();
  }

  /** The close code, once the server closed the socket. */
  whenClosed(): Promise<{ code: number }> {
    return this.closed;
  }
}
