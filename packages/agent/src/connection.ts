/**
 * One connection of the server's to the agent: validates every frame, runs the op and
 * answers it. A request with an `id` gets a reply; one without (keystrokes, acks) is
 * answered only when it fails, with an `error` event. Nothing a frame contains can crash
 * the agent. The processes a connection starts (`exec.run`, `proc.spawn`) and its watch
 * are its own and stop when it closes: a new server starts its own. Terminals and files
 * are the agent's (agent.ts).
 */
import {
  agentRequest,
  FrameTooLargeError,
  MAX_FRAME_HEADER_BYTES,
  type AgentEvent,
  type AgentOp,
  type AgentReplyHeader,
  type AgentRequest,
  type AgentResult,
  type Frame,
} from '@workcell/protocol/agent';
import type { core } from 'zod/mini';

import type { Agent, Send } from './agent';
import { requireProgram } from './as-user';
import { EgressStreams } from './egress/streams';
import { AgentFailure, toFailure } from './failure';
import { OnFirstUse } from './on-first-use';
import type { ProcHost } from './proc';
import { TreeWatcher } from './watcher';

type RequestOf<Op extends AgentOp> = Extract<AgentRequest, { op: Op }>;
interface Reply<Op extends AgentOp> {
  result: AgentResult<Op>;
  body?: Uint8Array;
}
type Handlers = { [Op in AgentOp]: (request: RequestOf<Op>, body: Buffer) => Promise<Reply<Op>> };

const DEFAULT_COMMAND = ['/bin/bash', '-l'];
/** Room for a serialised screen in a reply header, as JSON. */
const SNAPSHOT_HEADER_BUDGET = MAX_FRAME_HEADER_BYTES - 1024;
const ops = new Set<string>(
  agentRequest.def.options.flatMap((option) => option.def.shape.op.def.values),
);

export class Connection {
  private readonly execs = new OnFirstUse(async () => new (await import('./exec')).ExecHost());
  private readonly procs: OnFirstUse<ProcHost>;
  private watcher: TreeWatcher | undefined;
  private closed = false;
  /** The egress streams carried over this connection. */
  readonly egress = new EgressStreams((header, body) => this.send(header, body));

  constructor(
    private readonly agent: Agent,
    private readonly output: Send,
    private readonly onClose: () => void,
  ) {
    this.procs = new OnFirstUse(async () => {
      const { ProcHost } = await import('./proc');
      return new ProcHost({
        output: (procId, data, offset) => this.send({ ev: 'proc.output', procId, offset }, data),
        exit: (procId, code, signal, stderr) =>
          this.send({ ev: 'proc.exit', procId, code, signal, stderr }),
      });
    });
  }

  handle(frame: Frame): void {
    if (this.closed) return;
    const parsed = agentRequest.safeParse(frame.header);
    if (parsed.success) {
      void this.serve(parsed.data, frame.body);
      return;
    }
    const header: Record<string, unknown> =
      typeof frame.header === 'object' && frame.header !== null ? { ...frame.header } : {};
    const id =
      typeof header.id === 'number' && Number.isSafeInteger(header.id) && header.id >= 0
        ? header.id
        : undefined;
    const op = typeof header.op === 'string' ? header.op.slice(0, 64) : undefined;
    let message: string;
    if (frame.header === undefined) message = 'the frame header is not valid JSON';
    else if (op === undefined || !ops.has(op)) message = `unknown op ${JSON.stringify(op ?? null)}`;
    else message = `invalid ${op} request: ${describeIssues(parsed.error)}`;
    this.fail(id, op, new AgentFailure('VALIDATION_FAILED', message));
  }

  /** Sends a frame while the connection is open (see Send). */
  send(header: AgentReplyHeader | AgentEvent, body?: Uint8Array): void {
    if (!this.closed) this.output(header, body);
  }

  /** Stops the processes and the watch this connection started; sends nothing more. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.dispose();
    this.execs.dispose();
    this.procs.dispose();
    this.egress.dispose();
    this.onClose();
  }

  private async serve(request: AgentRequest, body: Buffer): Promise<void> {
    let reply: Reply<AgentOp>;
    try {
      const handler = this.handlers[request.op] as (
        r: AgentRequest,
        b: Buffer,
      ) => Promise<Reply<AgentOp>>;
      reply = await handler(request, body);
    } catch (error) {
      this.fail(request.id, request.op, toFailure(error, describe(request)));
      return;
    }
    if (request.id === undefined) return;
    try {
      this.send({ re: request.id, ok: true, result: reply.result }, reply.body);
    } catch (error) {
      if (!(error instanceof FrameTooLargeError)) throw error;
      this.fail(
        request.id,
        request.op,
        new AgentFailure('INTERNAL', `${describe(request)}: the reply is too large to send`),
      );
    }
  }

  private fail(id: number | undefined, op: string | undefined, failure: AgentFailure): void {
    const error = { code: failure.code, message: failure.message.slice(0, 4096) };
    if (id === undefined) this.send({ ev: 'error', ...(op === undefined ? {} : { op }), error });
    else this.send({ re: id, ok: false, error });
  }

  private readonly handlers: Handlers = {
    ping: async () => ({ result: { time: Date.now() } }),
    'pty.open': async (request) => {
      const [ptys] = await Promise.all([this.agent.ptys.get(), this.agent.shellPrepared()]);
      const [file = '', ...args] = this.agent.userArgv(request.command ?? DEFAULT_COMMAND);
      const cwd =
        request.cwd === undefined
          ? this.agent.settings.root
          : await this.agent.workspace.folder(request.cwd);
      const pid = ptys.open(request.ptyId, request.cols, request.rows, {
        file,
        args,
        cwd,
        env: { ...this.agent.settings.shellEnv, ...request.env },
      });
      await this.agent.userCgroups.adopt(pid);
      return { result: { pid } };
    },
    'pty.input': async (request, body) => {
      this.agent.terminal(request.ptyId).write(body);
      return { result: {} };
    },
    'pty.resize': async (request) => {
      this.agent.terminal(request.ptyId).resize(request.cols, request.rows);
      return { result: {} };
    },
    'pty.signal': async (request) => {
      this.agent.terminal(request.ptyId).signal(request.signal);
      return { result: {} };
    },
    'pty.ack': async (request) => {
      this.agent.terminal(request.ptyId).ack(request.bytes);
      return { result: {} };
    },
    'pty.close': async (request) => {
      this.agent.terminal(request.ptyId).close();
      return { result: {} };
    },
    'pty.stop': async (request) => {
      await this.agent.terminal(request.ptyId).stop();
      return { result: {} };
    },
    'pty.snapshot': async (request) => {
      const session = this.agent.terminal(request.ptyId);
      const { data, offset } = await session.snapshot(request.scrollback, SNAPSHOT_HEADER_BUDGET);
      return { result: { data, offset, ...session.size } };
    },
    'pty.list': async () => ({ result: { ptys: this.agent.ptys.value?.list() ?? [] } }),
    'fs.read': async (request) => {
      const content = await this.agent.workspace.read(request.path, request.maxBytes);
      return { result: { size: content.length }, body: content };
    },
    'fs.write': async (request, body) => ({
      result: { size: await this.agent.workspace.write(request.path, body, request.expectSha256) },
    }),
    'fs.delete': async (request) => {
      await this.agent.workspace.delete(request.path, request.expectSha256);
      return { result: {} };
    },
    'fs.mkdir': async (request) => {
      await this.agent.workspace.mkdir(request.path);
      return { result: {} };
    },
    'fs.move': async (request) => {
      await this.agent.workspace.move(request.from, request.to);
      return { result: {} };
    },
    'fs.list': async (request) => ({
      result: await this.agent.workspace.list(request.path, new Set(request.ignore), request),
    }),
    'watch.start': async (request) => {
      this.watcher?.dispose();
      const watcher = new TreeWatcher(this.agent.workspace, new Set(request.ignore), {
        changes: (changes) => this.send({ ev: 'watch.changes', changes }),
        refused: (names) => this.send({ ev: 'watch.refused', names }),
        overflow: () => this.send({ ev: 'watch.overflow' }),
      });
      this.watcher = watcher;
      try {
        await watcher.start();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') {
          watcher.dispose();
          throw error;
        }
        // Out of inotify watches: part of the tree is watched; the server rescans instead.
        this.send({ ev: 'watch.overflow' });
      }
      return { result: {} };
    },
    'watch.stop': async () => {
      this.watcher?.dispose();
      this.watcher = undefined;
      return { result: {} };
    },
    'exec.run': async (request, body) => {
      const [execs] = await Promise.all([this.execs.get(), this.agent.shellReady]);
      const cwd =
        request.cwd === undefined
          ? this.agent.settings.root
          : await this.agent.workspace.folder(request.cwd);
      // The launcher that waits for it and reports stays the agent's uid, out of its reach.
      return execs.run(request.execId, {
        argv: this.agent.userArgv(request.argv),
        adopt: (pid) => this.agent.userCgroups.adopt(pid),
        cwd,
        env: { ...this.agent.settings.shellEnv, ...request.env },
        stdin: body,
        timeoutMs: request.timeoutMs,
        maxOutputBytes: request.maxOutputBytes,
      });
    },
    'exec.kill': async (request) => {
      (await this.execs.get()).kill(request.execId);
      return { result: {} };
    },
    'proc.spawn': async (request) => {
      const [procs] = await Promise.all([this.procs.get(), this.agent.shellReady]);
      const cwd =
        request.cwd === undefined
          ? this.agent.settings.root
          : await this.agent.workspace.folder(request.cwd);
      const argv = request.node ? [process.execPath, ...request.argv] : request.argv;
      const env = { ...this.agent.settings.shellEnv, ...request.env };
      if (this.agent.user) await requireProgram(argv[0] ?? '', env.PATH);
      const pid = await procs.spawn(request.procId, {
        argv: this.agent.userArgv(argv),
        cwd,
        env,
      });
      await this.agent.userCgroups.adopt(pid);
      return { result: { pid } };
    },
    'proc.input': async (request, body) => {
      (await this.procs.get()).get(request.procId).write(body);
      return { result: {} };
    },
    'proc.ack': async (request) => {
      (await this.procs.get()).get(request.procId).ack(request.bytes);
      return { result: {} };
    },
    'proc.kill': async (request) => {
      (await this.procs.get()).get(request.procId).kill();
      return { result: {} };
    },
    stats: async () => ({
      result: await (await import('./stats')).cellStats(this.agent.settings.userUid),
    }),
    shutdown: async () => {
      setImmediate(this.agent.shutdown); // after the reply is on its way
      return { result: {} };
    },
    // Synchronous before their first await, so each acts before the next frame is read.
    'net.opened': async (request) => {
      this.egress.opened(request.streamId);
      return { result: {} };
    },
    'net.refused': async (request) => {
      this.egress.refused(request.streamId, request.error.code, request.error.message);
      return { result: {} };
    },
    'net.data': async (request, body) => {
      this.egress.data(request.streamId, body);
      return { result: {} };
    },
    'net.ack': async (request) => {
      this.egress.ack(request.streamId, request.bytes);
      return { result: {} };
    },
    'net.close': async (request) => {
      this.egress.close(request.streamId);
      return { result: {} };
    },
  };
}

/** Names what a request was about, for error messages: `fs.read src/a.py`. */
function describe(request: AgentRequest): string {
  const subject =
    'path' in request
      ? request.path
      : 'from' in request
        ? `${request.from} -> ${request.to}`
        : 'ptyId' in request
          ? `terminal ${request.ptyId}`
          : 'execId' in request
            ? `process ${request.execId}`
            : 'procId' in request
              ? `process ${request.procId}`
              : undefined;
  return subject === undefined ? request.op : `${request.op} ${subject}`;
}

function describeIssues(error: core.$ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'header'}: ${issue.message}`)
    .join('; ')
    .slice(0, 1000);
}
