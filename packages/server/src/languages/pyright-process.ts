/**
 * One pyright language server running in a workspace's cell, as the cell user, through
 * the agent's proc ops: messages go in Content-Length framed on its stdin and come out
 * parsed from its stdout. Its output is acknowledged to the agent as it is parsed, so a
 * server that floods waits on the agent's flow window rather than filling our memory.
 * Owned by whoever started it (a bridge, or the service's idle pool), who kills it.
 */
import { randomBytes } from 'node:crypto';

import type { Cell } from '../cells/manager';
import { ContentLengthDecoder, encodeContentLength, FramingError } from './jsonrpc';

export interface PyrightHandlers {
  message(message: unknown): void;
  /** The process is gone: it exited, was killed, broke the framing, or the cell went. */
  exit(why: string): void;
}

const VENV_PYTHON = '.venv/bin/python';
const SYSTEM_PYTHON = '/usr/bin/python3';
const PROBE_TIMEOUT_MS = 5_000;

export class PyrightProcess {
  private readonly decoder = new ContentLengthDecoder();
  private readonly stops: (() => void)[] = [];
  private handlers: PyrightHandlers | undefined;
  private gone = false;
  readonly startedAt = Date.now();
  /** pyright's answer to `initialize`, once it gave one: replayed to a browser taking it over. */
  initializeResult: unknown;

  private constructor(
    readonly cell: Cell,
    readonly procId: string,
    /** The cell's interpreter pyright should resolve imports with. */
    public pythonPath: string,
  ) {
    this.stops.push(
      cell.agent.on('proc.output', ({ procId: id }, body) => {
        if (id === this.procId) this.output(body);
      }),
      cell.agent.on('proc.exit', ({ procId: id, code, signal, stderr }) => {
        if (id !== this.procId) return;
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        this.end(`pyright exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`);
      }),
      cell.agent.onClose(() => this.end('the cell stopped')),
    );
  }

  /** Starts pyright in the cell; messages go to the handlers given to `attach`. */
  static async start(cell: Cell): Promise<PyrightProcess> {
    // Unknown: the system interpreter is the safe answer.
    const pythonPath = (await interpreterOf(cell)) ?? SYSTEM_PYTHON;
    const procId = `lsp-${randomBytes(6).toString('hex')}`;
    const process = new PyrightProcess(cell, procId, pythonPath);
    try {
      await cell.agent.request({
        op: 'proc.spawn',
        procId,
        node: true,
        argv: [`${cell.layout.pyright}/langserver.index.js`, '--stdio'],
      });
    } catch (error) {
      process.dispose();
      throw error;
    }
    return process;
  }

  /**
   * Looks for the interpreter again (a .venv made since pyright started, for a browser
   * taking this server over); if it changed, pyright is told to read its settings again.
   */
  async refreshInterpreter(): Promise<void> {
    const pythonPath = await interpreterOf(this.cell);
    if (pythonPath === undefined || pythonPath === this.pythonPath || this.gone) return;
    this.pythonPath = pythonPath;
    this.send({
      jsonrpc: '2.0',
      method: 'workspace/didChangeConfiguration',
      params: { settings: null },
    });
  }

  get alive(): boolean {
    return !this.gone;
  }

  /** Routes the process's messages and exit to `handlers` (replacing earlier ones). */
  attach(handlers: PyrightHandlers): void {
    this.handlers = handlers;
  }

  send(message: unknown): void {
    if (this.gone) return;
    if (
      !this.cell.agent.send({ op: 'proc.input', procId: this.procId }, encodeContentLength(message))
    )
      this.kill('the cell is not reading');
  }

  kill(why = 'stopped'): void {
    if (this.gone) return;
    this.cell.agent.send({ op: 'proc.kill', procId: this.procId });
    this.end(why);
  }

  private output(body: Buffer): void {
    let messages: unknown[];
    try {
      messages = this.decoder.push(body);
    } catch (error) {
      if (!(error instanceof FramingError)) throw error;
      this.kill(`pyright broke the framing: ${error.message}`);
      return;
    }
    this.cell.agent.send({ op: 'proc.ack', procId: this.procId, bytes: body.length });
    for (const message of messages) this.handlers?.message(message);
  }

  private end(why: string): void {
    if (this.gone) return;
    this.dispose();
    this.handlers?.exit(why);
  }

  private dispose(): void {
    this.gone = true;
    for (const stop of this.stops) stop();
  }
}

/**
 * A workspace venv's interpreter when there is one (made with `python -m venv .venv`),
 * else the system's; undefined if the cell could not be asked.
 */
async function interpreterOf(cell: Cell): Promise<string | undefined> {
  try {
    const { result } = await cell.agent.request(
      {
        op: 'exec.run',
        execId: `lsp-probe-${randomBytes(4).toString('hex')}`,
        argv: ['/bin/sh', '-c', `test -x ${VENV_PYTHON}`],
        timeoutMs: PROBE_TIMEOUT_MS,
        maxOutputBytes: 0,
      },
      undefined,
      PROBE_TIMEOUT_MS + 1000,
    );
    return result.exitCode === 0 ? `${cell.layout.root}/${VENV_PYTHON}` : SYSTEM_PYTHON;
  } catch {
    return undefined;
  }
}
