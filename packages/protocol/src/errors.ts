/**
 * The one catalogue of errors Workcell reports. Every error response, WebSocket `error`
 * message and agent error carries one of these codes; the status is the HTTP status the
 * REST API answers with, and the message is the default human text (callers may give a
 * more specific one, never a stack trace or SQL).
 */
export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, message: 'The request is malformed.' },
  INVALID_PATH: { status: 400, message: 'The path is not a valid workspace path.' },
  INVALID_NAME: {
    status: 400,
    message:
      'The name holds a character names may not: a control, invisible, byte-order or bidirectional one.',
  },
  INVALID_ENCODING: { status: 400, message: 'The content is not valid for its encoding.' },
  INVALID_REGEX: { status: 400, message: 'The search is not a valid regular expression.' },
  ARCHIVE_INVALID: {
    status: 400,
    message:
      'The upload is not a zip archive this server can read (damaged, encrypted, or compressed other than with deflate).',
  },
  UNAUTHENTICATED: {
    status: 401,
    message: 'Sign in first: no valid session cookie or bearer token was sent.',
  },
  INVALID_CREDENTIALS: { status: 401, message: 'Wrong username, email or password.' },
  WRONG_PASSWORD: { status: 403, message: 'The current password is wrong.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  ADMIN_ONLY: {
    status: 403,
    message:
      'Only administrators may do this; the server operator can name you in ADMIN_USERS or run `workcell admin grant <username>`.',
  },
  ACCOUNT_DISABLED: {
    status: 403,
    message: 'This account has been disabled; ask an administrator to enable it.',
  },
  LIBRARY_PATH_FORBIDDEN: {
    status: 403,
    message:
      "Only Python sources of the cell's libraries can be read here: pyright's typeshed stubs, the cell's Python and the workspace's .venv.",
  },
  EGRESS_REFUSED: {
    status: 403,
    message: 'The cell may not connect there: the host is not on the egress allow-list.',
  },
  ORIGIN_REJECTED: { status: 403, message: 'This origin may not open a connection.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  WORKSPACE_NOT_FOUND: { status: 404, message: 'No such workspace.' },
  FILE_NOT_FOUND: { status: 404, message: 'No such file or folder.' },
  REVISION_NOT_FOUND: { status: 404, message: 'No such revision.' },
  USER_NOT_FOUND: { status: 404, message: 'No such user.' },
  TERMINAL_NOT_FOUND: { status: 404, message: 'No such terminal.' },
  USERNAME_TAKEN: { status: 409, message: 'That username or email is already registered.' },
  VERSION_CONFLICT: {
    status: 409,
    message: 'The file changed since you loaded it; reload it or merge your changes.',
  },
  ALREADY_EXISTS: { status: 409, message: 'Something already exists at that path.' },
  NOT_A_FOLDER: { status: 409, message: 'A parent of that path is a file, not a folder.' },
  IS_A_FOLDER: { status: 409, message: 'That path is a folder, not a file.' },
  WORKSPACE_LIMIT: {
    status: 409,
    message: 'You have as many workspaces as you may; delete one to create another.',
  },
  PRECONDITION_FAILED: {
    status: 412,
    message: 'The If-Match version does not match the current version.',
  },
  FILE_TOO_LARGE: { status: 413, message: 'The file is larger than the per-file limit.' },
  WORKSPACE_FULL: { status: 413, message: 'The workspace would exceed its size limit.' },
  USER_QUOTA_EXCEEDED: {
    status: 413,
    message:
      'Your files and their earlier versions use all of your storage; delete files or workspaces to make room.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  ARCHIVE_TOO_MANY_ENTRIES: {
    status: 413,
    message: 'The archive has more entries than the limit (MAX_ARCHIVE_ENTRIES); split it.',
  },
  SEARCH_TIMEOUT: {
    status: 422,
    message:
      'The search took too long and was stopped; narrow it with a simpler pattern or the files to include.',
  },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'That content type is not accepted here.' },
  FORMATTER_NOT_FOUND: {
    status: 422,
    message:
      'No formatter is installed in the workspace: install black or ruff there (pip install black), or isort for organising imports.',
  },
  FORMAT_FAILED: {
    status: 422,
    message: 'The formatter could not format the code (is it valid Python?).',
  },
  RATE_LIMITED: { status: 429, message: 'Too many attempts; wait and try again.' },
  CELL_LIMIT_REACHED: {
    status: 429,
    message: 'Too many cells are running; stop one and try again.',
  },
  INTERNAL: { status: 500, message: 'Something went wrong on the server; it has been logged.' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unreachable; try again shortly.' },
  ISOLATION_UNAVAILABLE: {
    status: 503,
    message: 'This host cannot isolate user code; run `workcell doctor` to see what is missing.',
  },
  SERVER_UNAVAILABLE: {
    status: 503,
    message: "The server's main process did not answer (it may be restarting); try again shortly.",
  },
  CELL_UNAVAILABLE: { status: 503, message: 'The workspace cell is not running.' },
  CELL_ELSEWHERE: {
    status: 409,
    message:
      "The workspace's cell runs on another server of this deployment; reach it through the same address as before (the proxy routes by workspace), or wait for it to stop.",
  },
  CELL_MOVED: {
    status: 409,
    message:
      "This server no longer reaches the workspace's cell (another server took it over, or the connection failed); open the terminal again to reach it.",
  },
  CELL_FAILED: { status: 503, message: 'The workspace cell failed to start.' },
  EGRESS_UNREACHABLE: { status: 502, message: 'The host could not be reached from the server.' },
  AGENT_ERROR: { status: 502, message: 'The workspace cell answered with an error.' },
  TIMEOUT: { status: 504, message: 'The operation timed out.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export const errorCodes = Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]];

/** The body of every error response and the payload of WebSocket/agent errors. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
