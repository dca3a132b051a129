/**
 * Messages on the browser's WebSocket (`/ws`): JSON text frames, one per message, in
 * both directions. One socket carries every workspace and terminal of a tab.
 *
 * Flow control (as VS Code's terminal does it): a client that sends `terminal.ack` with
 * the number of output characters it has rendered holds the terminal's output back once
 * it falls behind; a client that never acks (the prototype's messages) gets output only
 * while its socket keeps up.
 */
import * as z from 'zod';

import type { ChangeSource, FileType } from './api';
import { errorCodes } from './errors';

export const MAX_WS_MESSAGE_BYTES = 1024 * 1024;
/**
 * The close code of every socket (/ws, the language server's) whose session ended: signed
 * out, signed out by a password change elsewhere, or the account disabled.
 */
export const SIGNED_OUT_CLOSE_CODE = 4401;

const workspaceId = z.uuid();
const terminalId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1 to 64 letters, digits, _ or -');
const dimension = z.number().int().min(1).max(1000);

export const MAX_RUN_ARGS = 64;
export const MAX_RUN_ENV = 64;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What `python3 <path> <args…>` runs with; the path is checked with normaliseWorkspacePath. */
export const runRequest = z
  .object({
    path: z.string().min(1).max(4096),
    args: z.array(z.string().max(4096)).max(MAX_RUN_ARGS),
    env: z
      .record(z.string().max(128), z.string().max(4096))
      .refine((env) => Object.keys(env).length <= MAX_RUN_ENV, {
        message: `at most ${MAX_RUN_ENV} environment variables`,
      })
      .refine((env) => Object.keys(env).every((name) => ENV_NAME.test(name)), {
        message: 'a name is no shell variable name (letters, digits and _, not first a digit)',
      }),
  })
  .strict();
export type RunRequest = z.infer<typeof runRequest>;

export const clientMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('terminal.open'),
    workspace: workspaceId,
    /** Reattach to this terminal; omitted: open a new one. */
    terminalId: terminalId.optional(),
    cols: dimension,
    rows: dimension,
    /**
     * Opens a run terminal instead of a shell: its PTY runs `python3 <path> <args…>` in the
     * workspace folder with `env` added to the cell's shell environment, and ends with it.
     * A run's `terminalId` (optional) starts with `run-` and names no open terminal;
     * reattaching to a run after it ended gets TERMINAL_NOT_FOUND, not a shell.
     */
    run: runRequest.optional(),
    /**
     * A new shell starts in this workspace folder ('' or omitted: the workspace root):
     * INVALID_PATH for what is no workspace path, FILE_NOT_FOUND or NOT_A_FOLDER for what is no
     * folder. Ignored when reattaching.
     */
    cwd: z.string().max(4096).optional(),
  }),
  z.object({ type: z.literal('terminal.input'), terminalId, data: z.string().max(64 * 1024) }),
  z.object({ type: z.literal('terminal.resize'), terminalId, cols: dimension, rows: dimension }),
  /** Rendered `chars` more characters of this terminal's output. */
  z.object({ type: z.literal('terminal.ack'), terminalId, chars: z.number().int().min(0) }),
  /** Stops listening to the terminal; it keeps running. */
  z.object({ type: z.literal('terminal.detach'), terminalId }),
  /**
   * Stops the terminal's program: SIGINT to its process group, then, if any of its
   * processes are left 2 s later, SIGKILL to all of them (children included).
   */
  z.object({ type: z.literal('terminal.stop'), terminalId }),
  /** Ends the terminal's shell. */
  z.object({ type: z.literal('terminal.close'), terminalId }),
  /** Receive `file.changed` and `cell.status` for the workspace. */
  z.object({ type: z.literal('workspace.watch'), workspace: workspaceId }),
  z.object({ type: z.literal('workspace.unwatch'), workspace: workspaceId }),
  z.object({ type: z.literal('ping'), id: z.number().optional() }),
  /** The prototype's terminal: one per workspace, addressed by `sessionId`. */
  z.object({
    type: z.literal('terminal_input'),
    sessionId: workspaceId,
    input: z.string().max(64 * 1024),
  }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

export type ServerMessage =
  | {
      type: 'terminal.opened';
      workspace: string;
      terminalId: string;
      replay: string;
      restored: boolean;
      cols: number;
      rows: number;
    }
  | { type: 'terminal.output'; terminalId: string; data: string }
  | {
      type: 'terminal.exit';
      terminalId: string;
      code: number | null;
      signal: string | null;
      /** How long the terminal's process ran, when the agent that ran it knows. */
      durationMs?: number;
    }
  | {
      type: 'cell.status';
      workspace: string;
      state: string;
      reason?: string;
      progress?: string;
      /** The cell's Python version (e.g. "3.11.2"), when the state is `ready` and it is known. */
      python?: string;
    }
  | { type: 'cell.warning'; workspace: string; message: string; stopsAt?: string }
  | {
      type: 'file.changed';
      workspace: string;
      path: string;
      /** `file` or `folder` (named `kind` because `type` names the message). */
      kind: FileType;
      version: number;
      source: ChangeSource;
      deleted?: boolean;
      movedFrom?: string;
    }
  | { type: 'sync.skipped'; workspace: string; path: string; reason: string }
  | { type: 'pong'; id?: number }
  | { type: 'error'; code: (typeof errorCodes)[number]; message: string; ref?: string }
  | { type: 'terminal_output'; sessionId: string; output: string; timestamp: string }
  | { type: 'pod_ready'; sessionId: string; timestamp: string };
