/** Bodies and replies of the REST API, shared by the server (validation, OpenAPI) and the web app. */
import * as z from 'zod';

import { errorCodes } from './errors';
import { nameProblem } from './names';

export const errorResponse = z
  .object({ error: z.object({ code: z.enum(errorCodes), message: z.string() }) })
  .meta({ id: 'Error' });

/** The error code a validation issue stands for, when it is not VALIDATION_FAILED. */
export interface IssueParams {
  errorCode: 'INVALID_NAME' | 'INVALID_PATH';
}

/**
 * A name a user gives: refused with INVALID_NAME when it holds a character no name may
 * (checked before trimming, which would drop a byte-order mark silently), then NFC.
 */
const userGivenName = () =>
  z
    .string()
    .check((ctx) => {
      const problem = nameProblem(ctx.value);
      if (problem)
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `the name is not allowed: ${problem}`,
          params: { errorCode: 'INVALID_NAME' } satisfies IssueParams,
        });
    })
    .normalize('NFC');

// ---- accounts --------------------------------------------------------------------------

export const username = userGivenName()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_-]{3,32}$/, 'use 3 to 32 letters, digits, _ or -');
export const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('not a valid email address').max(254));
export const password = z
  .string()
  .min(8, 'use at least 8 characters')
  .max(256, 'use at most 256 characters');

/** The signed-in user's own account, as register, login and /me answer it. */
export const user = z
  .object({
    id: z.uuid(),
    username: z.string(),
    email: z.string(),
    createdAt: z.iso.datetime(),
    admin: z
      .boolean()
      .describe(
        'May use the admin API: named in ADMIN_USERS or granted with `workcell admin grant`',
      ),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof user>;

/**
 * Set beside the HttpOnly session cookie, readable by the page: it tells the web app a
 * session may exist, so a signed-out visit does not ask the server (and get a 401).
 * It grants nothing; the session cookie alone signs requests in.
 */
export const SIGNED_IN_COOKIE = 'workcell_signed_in';

export const registerBody = z.object({ username, email, password });
export const loginBody = z.object({
  username: userGivenName().trim().toLowerCase().min(1).max(254).describe('Username or email'),
  password: z.string().min(1).max(256),
});
export const authReply = z.object({ user, token: z.string() });
export const updateMeBody = z
  .object({
    email: email.optional(),
    password: password.optional(),
    currentPassword: z.string().max(256).optional(),
  })
  .refine((body) => body.password === undefined || body.currentPassword !== undefined, {
    message: 'give currentPassword to change the password',
    path: ['currentPassword'],
  });

// ---- settings --------------------------------------------------------------------------

export const editorTheme = z.enum([
  'dark',
  'light',
  'high-contrast',
  'monokai',
  'solarized-dark',
  'solarized-light',
]);
export type EditorTheme = z.infer<typeof editorTheme>;

/** The signed-in user's editor preferences, kept on the server. */
export const userSettings = z
  .object({
    theme: editorTheme,
    vimMode: z.boolean(),
    fontSize: z.number().int().min(8).max(40),
    tabSize: z.number().int().min(1).max(8),
    autosave: z.boolean(),
  })
  .meta({ id: 'UserSettings' });
export type UserSettings = z.infer<typeof userSettings>;

/** What a user has before changing anything. */
export const defaultUserSettings: UserSettings = {
  theme: 'dark',
  vimMode: false,
  fontSize: 14,
  tabSize: 4,
  autosave: true,
};

/** Any subset of the settings; unknown keys are refused. */
export const updateSettingsBody = userSettings.partial().strict();
export type UpdateSettingsBody = z.infer<typeof updateSettingsBody>;

// ---- workspaces ------------------------------------------------------------------------

export const workspaceName = userGivenName().trim().min(1, 'give the workspace a name').max(100);

export const workspace = z
  .object({
    uuid: z.uuid(),
    name: z.string(),
    sizeBytes: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    openedAt: z.iso.datetime(),
  })
  .meta({ id: 'Workspace' });
export type Workspace = z.infer<typeof workspace>;

/** GET /api/users/me/usage: what the user stores against their quota, and their workspaces. */
export const usage = z
  .object({
    bytes: z
      .number()
      .int()
      .describe(
        'Bytes of all their files and kept earlier versions, and of their uploads being received',
      ),
    limitBytes: z.number().int().describe('MAX_USER_BYTES'),
    workspaces: z.number().int(),
    workspaceLimit: z.number().int().describe('MAX_WORKSPACES_PER_USER'),
  })
  .meta({ id: 'Usage' });
export type Usage = z.infer<typeof usage>;

/**
 * What a new workspace starts with: a starter script.py (as every earlier client expects),
 * nothing, a numpy script, or a pandas analysis of a CSV.
 */
export const workspaceTemplate = z.enum(['script', 'empty', 'hello-numpy', 'pandas-csv']);
export type WorkspaceTemplate = z.infer<typeof workspaceTemplate>;

export const createWorkspaceBody = z.object({
  name: workspaceName,
  template: workspaceTemplate
    .default('script')
    .describe(
      'Files to start with: `script` (the default) a starter script.py, `empty` none, `hello-numpy` a numpy script.py, `pandas-csv` analysis.py and data/sales.csv',
    ),
});
export const renameWorkspaceBody = z.object({ name: workspaceName });

// ---- files -----------------------------------------------------------------------------

export const fileType = z.enum(['file', 'folder']);
/**
 * Where a change to a file came from: a save in the editor, the cell's terminal (anything a
 * program in the cell wrote), an upload (a file or a zip), a restore of a revision, or
 * another API call.
 */
export const changeSource = z.enum(['editor', 'terminal', 'upload', 'restore', 'api']);
export type FileType = z.infer<typeof fileType>;
export type ChangeSource = z.infer<typeof changeSource>;
export const contentEncoding = z.enum(['utf-8', 'base64']);

export const fileEntry = z
  .object({
    path: z.string(),
    type: fileType,
    size: z.number().int(),
    version: z.number().int(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'FileEntry' });
export type FileEntry = z.infer<typeof fileEntry>;

export const fileContent = z
  .object({
    path: z.string(),
    content: z.string(),
    encoding: contentEncoding,
    version: z.number().int(),
    size: z.number().int(),
    sha256: z.string(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'FileContent' });
export type FileContent = z.infer<typeof fileContent>;

export const writeFileBody = z.object({
  content: z.string(),
  encoding: contentEncoding.default('utf-8'),
  baseVersion: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('The version this content is based on; 0 means "create, the file must not exist"'),
});

export const writtenFile = z
  .object({
    path: z.string(),
    version: z.number().int(),
    size: z.number().int(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WrittenFile' });

export const conflictResponse = z
  .object({
    error: z.object({ code: z.enum(errorCodes), message: z.string() }),
    /** On VERSION_CONFLICT/PRECONDITION_FAILED: the file as it is now (null: it does not exist). */
    current: fileContent.nullable().optional(),
  })
  .meta({ id: 'Conflict' });

export const moveBody = z.object({ from: z.string(), to: z.string() });
export const copyBody = z.object({ from: z.string(), to: z.string() });

export const revision = z
  .object({
    revision: z.number().int(),
    version: z.number().int(),
    size: z.number().int(),
    sha256: z.string(),
    reason: z
      .enum(['overwrite', 'delete'])
      .describe('What ended this version: the file was overwritten, or deleted'),
    source: changeSource
      .nullable()
      .describe('Who made this version; null for revisions kept before this was recorded'),
    savedAt: z.iso.datetime().describe('When this version was made'),
    createdAt: z.iso.datetime().describe('When this version was replaced and kept'),
  })
  .meta({ id: 'Revision' });
export type Revision = z.infer<typeof revision>;
/** One revision with its content: UTF-8 text, or base64 when the bytes are not text (as a file's). */
export const revisionContent = z
  .object({
    path: z.string(),
    ...revision.shape,
    content: z.string(),
    encoding: contentEncoding,
  })
  .meta({ id: 'RevisionContent' });
export type RevisionContent = z.infer<typeof revisionContent>;
/** Revision ids are PostgreSQL `serial`s: a positive 32-bit integer. */
export const revisionId = z.number().int().min(1).max(2_147_483_647);
export const restoreBody = z.object({ revision: revisionId });

// ---- cells -----------------------------------------------------------------------------

export const cellState = z.enum(['starting', 'ready', 'stopping', 'stopped', 'failed']);
export type CellState = z.infer<typeof cellState>;

export const cellStatus = z
  .object({
    state: cellState,
    reason: z.string().nullable(),
    driver: z.string().nullable(),
    startedAt: z.iso.datetime().nullable(),
    lastActivityAt: z.iso.datetime().nullable(),
    /** The cell's Python version (e.g. "3.11.2") while it runs, once learned; null otherwise. */
    python: z.string().nullable(),
  })
  .meta({ id: 'CellStatus' });
export type CellStatus = z.infer<typeof cellStatus>;

export const runBody = z
  .object({
    path: z.string().optional().describe('A Python file of the workspace to run with python3'),
    code: z
      .string()
      .max(1024 * 1024)
      .optional()
      .describe('Python code to run with python3 -c'),
    stdin: z
      .string()
      .max(10 * 1024 * 1024)
      .optional(),
    timeoutMs: z.number().int().min(1).optional(),
  })
  .refine((body) => (body.path === undefined) !== (body.code === undefined), {
    message: 'give exactly one of path and code',
  });

export const runResult = z
  .object({
    stdout: z.string(),
    stderr: z.string(),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    timedOut: z.boolean(),
    wallMs: z.number(),
    cpuMs: z.number(),
    peakMemoryBytes: z.number(),
    stdoutTruncated: z.boolean(),
    stderrTruncated: z.boolean(),
    /** Why the process was killed, when a limit killed it (e.g. "killed: memory limit 512 MiB"). */
    killedBy: z.string().nullable(),
  })
  .meta({ id: 'RunResult' });
export type RunResult = z.infer<typeof runResult>;

/** `GET /api/workspace/{uuid}/lsp/source`: a library file a definition led to, read-only. */
export const librarySourceQuery = z.object({
  path: z
    .string()
    .min(2)
    .max(4096)
    .regex(/^\/[^\0\n]*$/, 'must be an absolute path')
    .describe(
      "The path of a definition's file:// URI as the language server gave it: under pyright's typeshed (/opt/pyright/dist/typeshed-fallback/), the cell's Python (/usr/lib/python3…/) or the workspace's .venv (/workspace/.venv/); .py or .pyi",
    ),
});
export const librarySource = z
  .object({
    path: z.string(),
    content: z.string().describe('UTF-8 text (invalid bytes replaced)'),
    size: z.number().int(),
  })
  .meta({ id: 'LibrarySource' });
export type LibrarySource = z.infer<typeof librarySource>;
