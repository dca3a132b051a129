/**
 * `GET /api/workspace/:uuid/lsp/source?path=…`: the text of a library file that "go to
 * definition" led to (a typeshed stub, the cell's Python, the workspace's .venv), for the
 * browser's read-only tab. The file is read in the cell, as the cell user, so nothing of
 * the host is reachable; and only Python sources under the library roots below, checked
 * as given and again after the cell has resolved symbolic links, so a link in the .venv
 * cannot lead anywhere else. Another user's workspace is 404 before anything is checked.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';

import { errorResponse, librarySource, librarySourceQuery } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { callerOf, requireCaller } from '../auth/plugin';
import type { CellLayout } from '../cells/driver';
import type { Cell, CellManager } from '../cells/manager';
import { WorkcellError } from '../errors';
import { requireOwnedWorkspace, workspaceOf } from '../workspaces/ownership';
import type { WorkspaceService } from '../workspaces/service';
import { MAX_LSP_MESSAGE_BYTES } from './jsonrpc';
import { CLIENT_ROOT_URI } from './uris';

/** As much as one LSP message may carry: the browser could have opened it as a document. */
export const MAX_LIBRARY_SOURCE_BYTES = MAX_LSP_MESSAGE_BYTES;
const READ_TIMEOUT_MS = 10_000;
const CLIENT_ROOT = new URL(CLIENT_ROOT_URI).pathname;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where the libraries pyright resolves imports from live in the cell: its bundled typeshed,
 * Debian's Python (stdlib and dist-packages, read-only /usr), and the workspace's venv.
 */
const libraryRoots = (layout: CellLayout) => [
  new RegExp(`^${escape(layout.pyright)}/dist/typeshed-fallback/`),
  /^\/usr\/lib\/python3(\.\d+)?\//,
  /^\/usr\/local\/lib\/python3\.\d+\/dist-packages\//,
  new RegExp(`^${escape(layout.root)}/\\.venv/`),
];

/** A normalised absolute path of a .py/.pyi file under a library root (cell paths). */
export function isLibraryPath(layout: CellLayout, path: string): boolean {
  return (
    posix.isAbsolute(path) &&
    posix.normalize(path) === path &&
    /\.pyi?$/.test(path) &&
    libraryRoots(layout).some((root) => root.test(path))
  );
}

/** The browser's path (`/workspace/.venv/…` for the venv, as its URIs say) in the cell. */
function cellPathOf(layout: CellLayout, path: string): string {
  return path.startsWith(`${CLIENT_ROOT}/`) ? layout.root + path.slice(CLIENT_ROOT.length) : path;
}

const forbidden = (path: string) =>
  new WorkcellError(
    'LIBRARY_PATH_FORBIDDEN',
    `${path.slice(0, 300)} is not a Python source of the cell's libraries.`,
  );

/**
 * Resolves `path` in the cell (symbolic links followed), re-checks where it led, and
 * reads it: the path and the bytes come back in one exec, separated by a NUL.
 */
export async function readLibrarySource(cell: Cell, path: string): Promise<Buffer> {
  const script = [
    'r=$(realpath -e -- "$1") && test -f "$r" && test -r "$r" || exit 3',
    `printf '%s\\0' "$r"`,
    `exec head -c ${MAX_LIBRARY_SOURCE_BYTES + 1} -- "$r"`,
  ].join('\n');
  const { result, body } = await cell.agent.request(
    {
      op: 'exec.run',
      execId: `lsp-source-${randomBytes(4).toString('hex')}`,
      argv: ['/bin/sh', '-c', script, 'sh', path],
      timeoutMs: READ_TIMEOUT_MS,
      maxOutputBytes: MAX_LIBRARY_SOURCE_BYTES + 4096 + 2,
    },
    undefined,
    READ_TIMEOUT_MS + 1000,
  );
  if (result.exitCode === 3) throw new WorkcellError('FILE_NOT_FOUND');
  if (result.exitCode !== 0 || result.stdoutTruncated)
    throw new WorkcellError('AGENT_ERROR', 'The library file could not be read in the cell.');
  const stdout = body.subarray(0, result.stdoutBytes);
  const separator = stdout.indexOf(0);
  const resolved = stdout.subarray(0, separator).toString('utf8');
  if (separator < 0 || !isLibraryPath(cell.layout, resolved)) throw forbidden(path);
  const content = stdout.subarray(separator + 1);
  if (content.length > MAX_LIBRARY_SOURCE_BYTES)
    throw new WorkcellError(
      'FILE_TOO_LARGE',
      `The library file is larger than ${MAX_LIBRARY_SOURCE_BYTES} bytes.`,
    );
  return content;
}

export const librarySourceRoutes: FastifyPluginAsyncZod<{
  cells: CellManager;
  workspaces: WorkspaceService;
}> = async (app, { cells, workspaces }) => {
  requireCaller(app);
  requireOwnedWorkspace(app, workspaces);
  app.get(
    '/lsp/source',
    {
      schema: {
        tags: ['language server'],
        summary:
          "A library file a definition leads to (pyright's typeshed stubs, the cell's Python, the workspace's .venv), read in the cell: for a read-only view. 403 LIBRARY_PATH_FORBIDDEN for anything else",
        params: z.object({ uuid: z.string() }),
        querystring: librarySourceQuery,
        response: {
          200: librarySource,
          400: errorResponse,
          401: errorResponse,
          403: errorResponse,
          404: errorResponse,
          413: errorResponse,
          503: errorResponse,
        },
      },
    },
    async (request) => {
      const { path } = request.query;
      const cellPath = cellPathOf(cells.layout, path);
      // Before the cell starts: a path that cannot be allowed costs nothing.
      if (!isLibraryPath(cells.layout, cellPath)) throw forbidden(path);
      const workspace = workspaceOf(request);
      const cell = await cells.ensure(workspace.id, callerOf(request).id);
      const content = await readLibrarySource(cell, cellPath);
      return {
        path,
        content: new TextDecoder('utf-8').decode(content),
        size: content.length,
      };
    },
  );
};
