/**
 * The channel between the server and the agent inside a cell: binary-safe frames over a
 * socket the driver hands the agent on a descriptor (fd 3 by default; never pid 1's stdio,
 * see notes/sandbox.md §9) or a connection to the agent's listening socket (a pod's; the
 * first frame authenticates it: agentAuth), multiplexing requests, their replies and
 * unsolicited events. Every frame is
 *
 *   u32be headerLength | u32be bodyLength | header (UTF-8 JSON) | body (raw bytes)
 *
 * The header says what the frame is; the body carries bytes that must not be re-encoded
 * (terminal output, file content, process output). Both sides validate
 * every header against the schemas below and treat a frame that fails as an error, never a
 * crash. Headers stay JSON even when large (a listing of a whole workspace), hence the
 * header limit; the sender must never exceed a limit, because the receiver drops the stream.
 */
import * as z from 'zod/mini';

import { parseBoundedJson } from './bounded-json';
import { errorCodes } from './errors';

export const AGENT_PROTOCOL_VERSION = 1;
export const FRAME_PREFIX_BYTES = 8;
/** Refused names one listing reports at most. */
export const MAX_REFUSED_NAMES = 100;
/**
 * Lines of history the agent keeps of each terminal, and the most a snapshot holds: what a
 * client attaching again gets back. A flood of output beyond them is not parsed at all.
 */
export const PTY_SCROLLBACK_LINES = 1000;
export const MAX_FRAME_HEADER_BYTES = 16 * 1024 * 1024;
export const MAX_FRAME_BODY_BYTES = 32 * 1024 * 1024;
/** The most bytes one `net.data` frame carries. */
export const NET_CHUNK_BYTES = 64 * 1024;
/**
 * Egress stream data (net.data) either side may send beyond what the other has
 * acknowledged; a sender stops reading its socket there, so it may overshoot by at most
 * one chunk. A receiver holding more unacknowledged data than that ends the stream.
 */
export const NET_FLOW_WINDOW_BYTES = 256 * 1024;

export interface Frame<H = unknown> {
  header: H;
  body: Buffer;
}

export function encodeFrame(header: unknown, body: Uint8Array = EMPTY): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.allocUnsafe(FRAME_PREFIX_BYTES);
  prefix.writeUInt32BE(json.length, 0);
  prefix.writeUInt32BE(body.length, 4);
  return Buffer.concat([prefix, json, body]);
}

const EMPTY = Buffer.alloc(0);

export class FrameTooLargeError extends Error {}

/**
 * Reassembles frames from a byte stream. Header JSON that fails to parse (or nests too
 * deep) yields a frame whose header is `undefined`, so the receiver can answer it; a length beyond the limits
 * cannot be resynchronised and throws FrameTooLargeError (the stream must be dropped).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly limits = { header: MAX_FRAME_HEADER_BYTES, body: MAX_FRAME_BODY_BYTES },
  ) {}

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < FRAME_PREFIX_BYTES) break;
      const head = this.peek(FRAME_PREFIX_BYTES);
      const headerLength = head.readUInt32BE(0);
      const bodyLength = head.readUInt32BE(4);
      if (headerLength > this.limits.header || bodyLength > this.limits.body) {
        throw new FrameTooLargeError(
          `frame of ${headerLength}+${bodyLength} bytes exceeds the limits (${this.limits.header}+${this.limits.body})`,
        );
      }
      const total = FRAME_PREFIX_BYTES + headerLength + bodyLength;
      if (this.buffered < total) break;
      const whole = this.take(total);
      const headerText = whole.subarray(FRAME_PREFIX_BYTES, FRAME_PREFIX_BYTES + headerLength);
      let header: unknown;
      try {
        header = parseBoundedJson(headerText.toString('utf8'));
      } catch {
        header = undefined;
      }
      frames.push({ header, body: whole.subarray(FRAME_PREFIX_BYTES + headerLength) });
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const taken = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return taken;
  }
}

// ---- shared pieces -------------------------------------------------------------------

/** A string of `min` to `max` UTF-16 code units. */
const text = (max: number, min = 0) => z.string().check(z.minLength(min), z.maxLength(max));
/** An integer of at least `min`, and at most `max` if given. */
const integer = (min: number, max?: number) =>
  z.int().check(z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));

/** A path relative to the cell's workspace root (`/app`); normalised by the receiver. */
export const cellPath = text(4096, 1);
export const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
/**
 * A condition on what a path holds now, so a sync never overwrites or deletes a change
 * made in the cell since it last looked: a hash = a file with that content; `null` = no
 * file (nothing, or a folder). A mismatch fails with VERSION_CONFLICT.
 */
const expectSha256 = z.optional(z.nullable(sha256));
export const ptyId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));
export const dimension = integer(1, 1000);
export const signalName = z.enum([
  'SIGINT',
  'SIGTERM',
  'SIGKILL',
  'SIGHUP',
  'SIGQUIT',
  'SIGTSTP',
  'SIGCONT',
]);
export const agentError = z.object({ code: z.enum(errorCodes), message: text(4096) });
/** A stream of the cell's egress proxy (net.*), numbered by the agent. */
export const streamId = integer(1, 2 ** 31);
export const netBytes = integer(1, NET_FLOW_WINDOW_BYTES + NET_CHUNK_BYTES);
export type AgentErrorPayload = z.infer<typeof agentError>;
// What the agent sends is validated by the server only, so its schemas live in a module of
// their own that the agent never loads; their types are part of this protocol.
export type {
  AgentEvent,
  AgentReplyHeader,
  AgentResult,
  FileChange,
  ListedEntry,
} from './agent-replies';

// ---- authentication: server → listening agent ------------------------------------------

/**
 * The first frame on a connection to an agent that listens (a pod's, reached over the
 * network): the cell's token, which the driver gave the agent at start. Anything else
 * first is answered with an `error` event UNAUTHENTICATED and the connection closed; after
 * it the agent says `ready` and the connection is a channel like any other.
 */
export const agentAuth = z.strictObject({ auth: text(1024, 1) });
export type AgentAuth = z.infer<typeof agentAuth>;

// ---- requests: server → agent ----------------------------------------------------------
// `id` correlates a reply. Requests without an `id` (keystrokes, acks) get no reply
// unless they fail, in which case an `error` event names the op. The agent starts each
// request as it arrives, so keystrokes stay in order, but replies may come in any order:
// a client that needs one request to follow another waits for the first reply.

const request = <Op extends string, Shape extends z.core.$ZodLooseShape>(op: Op, shape: Shape) =>
  z.strictObject({ op: z.literal(op), id: z.optional(integer(0)), ...shape });
/** Variables added to a terminal's or a process's environment. */
const env = z.optional(z.record(text(256), text(4096)));
/** Names skipped at any depth by a listing or the watch. */
const ignore = z.array(text(255)).check(z.maxLength(256));
const argv = (most: number) => z.array(text(64 * 1024)).check(z.minLength(1), z.maxLength(most));

export const agentRequest = z.discriminatedUnion('op', [
  request('ping', {}),
  /** Spawns a PTY; `command` defaults to a login bash in /app as the cell user. */
  request('pty.open', {
    ptyId,
    cols: dimension,
    rows: dimension,
    command: z.optional(z.array(text(4096)).check(z.minLength(1), z.maxLength(256))),
    env,
    /** The workspace folder (relative, normalised) to start in; the workspace root if omitted. */
    cwd: z.optional(text(4096)),
  }),
  /** Body: the bytes typed. */
  request('pty.input', { ptyId }),
  request('pty.resize', { ptyId, cols: dimension, rows: dimension }),
  /**
   * Sends the signal to the PTY's foreground process group (what the terminal driver does
   * for ^C), so it reaches the running program even in raw mode; the shell if none.
   */
  request('pty.signal', { ptyId, signal: signalName }),
  /**
   * The receiver has consumed `bytes` more bytes of output bodies (a delta since its last
   * ack, not a running total): lets the agent resume a PTY paused by flow control.
   */
  request('pty.ack', { ptyId, bytes: integer(0) }),
  request('pty.close', { ptyId }),
  /**
   * SIGINT to the PTY's process group; 2 s later SIGKILL to every process of it still
   * there: its descendants and its session, also those that ignore SIGINT or left the group.
   */
  request('pty.stop', { ptyId }),
  /**
   * Replies with the serialised screen (headless xterm) with up to `scrollback` lines of
   * history (all kept by default; fewer if the reply would outgrow the header limit), for a
   * client to `reset()` and `write()`.
   */
  request('pty.snapshot', {
    ptyId,
    scrollback: z.optional(integer(0, PTY_SCROLLBACK_LINES)),
  }),
  request('pty.list', {}),
  /** Replies with the content as the body; a file over `maxBytes` fails with FILE_TOO_LARGE. */
  request('fs.read', {
    path: cellPath,
    maxBytes: integer(0, MAX_FRAME_BODY_BYTES),
  }),
  /** Body: the content. Written atomically (temp file + rename), parents created. */
  request('fs.write', { path: cellPath, expectSha256 }),
  request('fs.delete', { path: cellPath, expectSha256 }),
  request('fs.mkdir', { path: cellPath }),
  request('fs.move', { from: cellPath, to: cellPath }),
  /**
   * Lists `path` itself and what lies under it down to `depth` levels (unlimited by
   * default; 0 = the path alone), or the whole workspace; depth first, in name order. A
   * missing path lists nothing. Skips entries named in `ignore` (at any depth) and symbolic
   * links; `hash` adds each file's sha256. Stops at a cap (count, header size) with
   * `truncated`.
   */
  request('fs.list', {
    path: z.optional(cellPath),
    ignore,
    depth: z.optional(integer(0)),
    hash: z.optional(z.boolean()),
  }),
  /**
   * Starts (or restarts) reporting changes under /app, skipping entries named in `ignore`
   * (at any depth) and symbolic links, like fs.list.
   */
  request('watch.start', { ignore }),
  request('watch.stop', {}),
  /**
   * Body: stdin. Runs `argv` as the cell user in its own process group (killed whole on
   * timeout or exec.kill). Replies once it exits; stdout then stderr in the body.
   */
  request('exec.run', {
    execId: ptyId,
    argv: argv(4096),
    cwd: z.optional(cellPath),
    env,
    timeoutMs: integer(1, 24 * 3600 * 1000),
    maxOutputBytes: integer(0, MAX_FRAME_BODY_BYTES / 2),
  }),
  request('exec.kill', { execId: ptyId }),
  /**
   * Starts a long-running process (a language server) as the cell user in its own process
   * group, with piped stdin and stdout streamed as `proc.output` events (raw bytes, no
   * terminal). `node`: run `argv` with the cell's Node, the agent's own binary, which is
   * not on PATH. stderr is drained; its last few KiB come with `proc.exit`.
   */
  request('proc.spawn', {
    procId: ptyId,
    argv: argv(256),
    node: z.optional(z.boolean()),
    cwd: z.optional(cellPath),
    env,
  }),
  /** Body: bytes for the process's stdin. */
  request('proc.input', { procId: ptyId }),
  /** Like pty.ack: `bytes` more of its output consumed, so a paused process may resume. */
  request('proc.ack', { procId: ptyId, bytes: integer(0) }),
  /** SIGKILLs the process group; `proc.exit` follows. */
  request('proc.kill', { procId: ptyId }),
  request('stats', {}),
  request('shutdown', {}),
  // The server's half of the egress streams the agent opens with `net.open` events.
  request('net.opened', { streamId }),
  /** The stream is refused (EGRESS_REFUSED, RATE_LIMITED) or its host unreachable. */
  request('net.refused', { streamId, error: agentError }),
  /** Body: bytes from the remote host, at most NET_CHUNK_BYTES. */
  request('net.data', { streamId }),
  /** The agent may send `bytes` more of the stream's data (see NET_FLOW_WINDOW_BYTES). */
  request('net.ack', { streamId, bytes: netBytes }),
  /** The remote end is done: the agent ends the stream after what it was sent. */
  request('net.close', { streamId }),
]);
export type AgentRequest = z.infer<typeof agentRequest>;
export type AgentOp = AgentRequest['op'];

/**
 * PTY output the agent may send beyond what the server has acknowledged. Past it the agent
 * stops reading the PTY (the program blocks on write; input and signals still work) until
 * acks bring the unacknowledged bytes back under half the window.
 */
export const PTY_FLOW_WINDOW_BYTES = 256 * 1024;

/**
 * Process output the agent may send beyond what the server has acknowledged; past it the
 * agent stops reading the process's stdout (it blocks on write) until acks bring the
 * unacknowledged bytes back under half the window. Also the most stdin the agent queues
 * for a process that does not read: more input fails with RATE_LIMITED.
 */
export const PROC_FLOW_WINDOW_BYTES = 1024 * 1024;
