import type { ErrorCode } from '@workcell/protocol';

/** A failure the agent reports to the server with a code from the error catalogue. */
export class AgentFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgentFailure';
  }
}

const errnoCodes: Record<string, { code: ErrorCode; text: string }> = {
  ENOENT: { code: 'FILE_NOT_FOUND', text: 'no such file or folder' },
  EEXIST: { code: 'ALREADY_EXISTS', text: 'something already exists there' },
  ENOTEMPTY: { code: 'ALREADY_EXISTS', text: 'a non-empty folder is in the way' },
  ENOTDIR: { code: 'NOT_A_FOLDER', text: 'a parent is a file, not a folder' },
  EISDIR: { code: 'IS_A_FOLDER', text: 'it is a folder' },
  ENOSPC: { code: 'WORKSPACE_FULL', text: 'the workspace volume is full' },
  EDQUOT: { code: 'WORKSPACE_FULL', text: 'the workspace quota is exhausted' },
  EFBIG: { code: 'FILE_TOO_LARGE', text: 'the file is too large' },
  EACCES: { code: 'FORBIDDEN', text: 'permission denied' },
  EPERM: { code: 'FORBIDDEN', text: 'operation not permitted' },
  EROFS: { code: 'FORBIDDEN', text: 'read-only file system' },
  ELOOP: { code: 'INVALID_PATH', text: 'the path is a symbolic link' },
  ENAMETOOLONG: { code: 'INVALID_PATH', text: 'the name is too long' },
  EINVAL: { code: 'VALIDATION_FAILED', text: 'invalid argument' },
};

/**
 * Turns anything thrown while serving `what` (e.g. `fs.read src/a.py`) into a failure with
 * a catalogue code and a message that says what failed, without a stack trace.
 */
export function toFailure(error: unknown, what: string): AgentFailure {
  if (error instanceof AgentFailure) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = errno === undefined ? undefined : errnoCodes[errno];
  if (known) return new AgentFailure(known.code, `${what}: ${known.text}`);
  const detail = error instanceof Error ? error.message : String(error);
  return new AgentFailure('INTERNAL', `${what} failed: ${detail}`.slice(0, 1000));
}
