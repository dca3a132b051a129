/**
 * What the agent sends the server over the channel (agent.ts): replies to requests and
 * unsolicited events. Only the server validates them, so their schemas are kept apart from
 * the requests' and the frames': every cell runs the agent, and whatever schema it loads
 * costs each cell start-up time and memory.
 */
import * as z from 'zod';

import {
  agentError,
  cellPath,
  dimension,
  MAX_REFUSED_NAMES,
  netBytes,
  ptyId,
  sha256,
  streamId,
  type AgentOp,
} from './agent';

/**
 * Where a stream goes, as the cell's program named it: a DNS name or an IP literal (IPv6
 * without brackets). Only the characters those use, so nothing odd reaches a log or DNS.
 */
const netHost = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._:-]+$/);
const netPort = z.number().int().min(1).max(65535);

export const fileKind = z.enum(['file', 'folder']);
export const listedEntry = z.object({
  path: cellPath,
  type: fileKind,
  size: z.number().int().min(0),
  mtimeMs: z.number(),
  /** Of a file's content, when the listing asked for `hash`. */
  sha256: z.optional(sha256),
});
export type ListedEntry = z.infer<typeof listedEntry>;

// ---- replies: agent → server -----------------------------------------------------------

export const agentReplyHeader = z.union([
  z.object({ re: z.number().int().min(0), ok: z.literal(true), result: z.unknown().optional() }),
  z.object({ re: z.number().int().min(0), ok: z.literal(false), error: agentError }),
]);
export type AgentReplyHeader = z.infer<typeof agentReplyHeader>;

/** The result of each op, validated by the server when it arrives. */
export const agentResults = {
  ping: z.object({ time: z.number() }),
  'pty.open': z.object({ pid: z.number().int() }),
  'pty.input': z.object({}),
  'pty.resize': z.object({}),
  'pty.signal': z.object({}),
  'pty.ack': z.object({}),
  'pty.close': z.object({}),
  'pty.stop': z.object({}),
  /**
   * `offset`: the snapshot shows exactly the output events' bytes before this position in
   * the PTY's output stream; the output from there on is live.
   */
  'pty.snapshot': z.object({
    data: z.string(),
    cols: dimension,
    rows: dimension,
    offset: z.number().int().min(0),
  }),
  'pty.list': z.object({
    ptys: z.array(z.object({ ptyId, pid: z.number().int(), cols: dimension, rows: dimension })),
  }),
  'fs.read': z.object({ size: z.number().int().min(0) }),
  'fs.write': z.object({ size: z.number().int().min(0) }),
  'fs.delete': z.object({}),
  'fs.mkdir': z.object({}),
  'fs.move': z.object({}),
  'fs.list': z.object({
    entries: z.array(listedEntry),
    truncated: z.boolean(),
    /** Names in the cell no client may use (names.ts), raw: they stay in the cell, unsynced. */
    refused: z.array(z.string().max(4096)).max(MAX_REFUSED_NAMES),
  }),
  'watch.start': z.object({}),
  'watch.stop': z.object({}),
  'exec.run': z.object({
    exitCode: z.number().int().nullable(),
    signal: z.string().max(32).nullable(),
    timedOut: z.boolean(),
    wallMs: z.number().min(0),
    /** User + system CPU of the process and the descendants it waited for. */
    cpuMs: z.number().min(0),
    /** Largest resident set of any one of those processes (ru_maxrss), not their sum. */
    peakMemoryBytes: z.number().min(0),
    stdoutBytes: z.number().int().min(0),
    stderrBytes: z.number().int().min(0),
    stdoutTruncated: z.boolean(),
    stderrTruncated: z.boolean(),
  }),
  'exec.kill': z.object({}),
  'proc.spawn': z.object({ pid: z.number().int() }),
  'proc.input': z.object({}),
  'proc.ack': z.object({}),
  'proc.kill': z.object({}),
  stats: z.object({
    /** CPU used by the cell's live processes and everything they have reaped: only grows. */
    cpuMs: z.number().min(0),
    memoryBytes: z.number().min(0),
    processes: z.number().int().min(0),
    /**
     * Processes of the cell user not started by the agent itself: what a shell or an exec
     * launched (a running program), not the idle shells.
     */
    userProcesses: z.number().int().min(0),
  }),
  shutdown: z.object({}),
  'net.opened': z.object({}),
  'net.refused': z.object({}),
  'net.data': z.object({}),
  'net.ack': z.object({}),
  'net.close': z.object({}),
} satisfies Record<AgentOp, z.ZodType>;
export type AgentResult<Op extends AgentOp> = z.infer<(typeof agentResults)[Op]>;

// ---- events: agent → server ------------------------------------------------------------

export const fileChange = z.object({
  path: cellPath,
  /** `deleted`: gone (a file or a folder with everything in it); `changed`: exists now. */
  kind: z.enum(['changed', 'deleted']),
  type: fileKind.optional(),
});
export type FileChange = z.infer<typeof fileChange>;

export const agentEvent = z.discriminatedUnion('ev', [
  z.object({
    ev: z.literal('ready'),
    version: z.number().int(),
    pid: z.number().int(),
    /**
     * How the start went, for diagnostics and bench/cell-start.ts: the process's start (ms
     * since the epoch), then ms from it until Node ran the agent's entry point, until the
     * agent was compiled (from V8's code cache, if `codeCache`) and until this event, and
     * the CPU time (ms) the process had used by then.
     */
    startup: z
      .object({
        at: z.number(),
        node: z.number(),
        compiled: z.number(),
        ready: z.number(),
        cpu: z.number(),
        codeCache: z.boolean(),
      })
      .optional(),
  }),
  /**
   * Body: output bytes, starting at `offset` in the PTY's output stream (bytes since it
   * opened). The agent stops reading a PTY whose unacked output passes its window.
   */
  z.object({ ev: z.literal('pty.output'), ptyId, offset: z.number().int().min(0).optional() }),
  z.object({
    ev: z.literal('pty.exit'),
    ptyId,
    code: z.number().int().nullable(),
    signal: z.string().max(32).nullable(),
    /** From the spawn to the exit. */
    durationMs: z.number().int().min(0).optional(),
  }),
  /** Body: stdout bytes, starting at `offset` in the process's output stream. */
  z.object({ ev: z.literal('proc.output'), procId: ptyId, offset: z.number().int().min(0) }),
  z.object({
    ev: z.literal('proc.exit'),
    procId: ptyId,
    code: z.number().int().nullable(),
    signal: z.string().max(32).nullable(),
    /** The end of what it wrote to stderr. */
    stderr: z.string().max(8192),
  }),
  z.object({ ev: z.literal('watch.changes'), changes: z.array(fileChange).max(10_000) }),
  /** Names that appeared in the workspace and that no client may use (not synced). */
  z.object({
    ev: z.literal('watch.refused'),
    names: z.array(z.string().max(4096)).max(MAX_REFUSED_NAMES),
  }),
  /** The watch could not keep up or lost events: rescan the tree. */
  z.object({ ev: z.literal('watch.overflow') }),
  z.object({ ev: z.literal('error'), op: z.string().max(64).optional(), error: agentError }),
  /**
   * A program in the cell asked the agent's egress proxy for `host:port`: the server
   * answers with `net.opened` or `net.refused`. The agent sends nothing else of the stream
   * before the answer.
   */
  z.object({ ev: z.literal('net.open'), streamId, host: netHost, port: netPort }),
  /** Body: bytes for the remote host, at most NET_CHUNK_BYTES. */
  z.object({ ev: z.literal('net.data'), streamId }),
  z.object({ ev: z.literal('net.ack'), streamId, bytes: netBytes }),
  /** The program is done with the stream: the server ends it after what it was sent. */
  z.object({ ev: z.literal('net.close'), streamId }),
]);
export type AgentEvent = z.infer<typeof agentEvent>;
