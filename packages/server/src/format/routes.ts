import { randomUUID } from 'node:crypto';

import { errorResponse, formatBody, formatResult } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { callerOf, requireCaller } from '../auth/plugin';
import type { CellManager } from '../cells/manager';
import { validPath } from '../files/service';
import { requireOwnedWorkspace, workspaceOf } from '../workspaces/ownership';
import type { WorkspaceService } from '../workspaces/service';
import { findAndRunArgv, formatOutcome } from './formatters';

/** Black on a large file at half a core takes seconds; past this something is wrong. */
const FORMAT_TIMEOUT_MS = 30_000;
/** Formatting adds little to a file; a doubling is far past any formatter's output. */
const outputLimit = (content: string) => 2 * Buffer.byteLength(content) + 64 * 1024;

/** `POST /api/workspace/{uuid}/format`: Format Document and Organize Imports, run in the cell. */
export const formatRoutes: FastifyPluginAsyncZod<{
  cells: CellManager;
  workspaces: WorkspaceService;
}> = async (app, { cells, workspaces }) => {
  requireCaller(app);
  requireOwnedWorkspace(app, workspaces);

  app.post(
    '/format',
    {
      // The content as JSON: up to 2 MiB of characters, escaped.
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ['cells'],
        summary:
          "Format Python (ruff format or black) or organise its imports (ruff or isort) with the formatter installed in the workspace's cell, starting the cell if needed. The content is not saved.",
        params: z.object({ uuid: z.string() }),
        body: formatBody,
        response: {
          200: formatResult,
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
          409: errorResponse,
          413: errorResponse,
          422: errorResponse,
          429: errorResponse,
          503: errorResponse,
          504: errorResponse,
        },
      },
    },
    async (request) => {
      const workspace = workspaceOf(request);
      const { content, action } = request.body;
      const path = validPath(request.body.path);
      const cell = await cells.ensure(workspace.id, callerOf(request).id);
      cells.touch(workspace.id);
      const { result, body } = await cell.agent.request(
        {
          op: 'exec.run',
          execId: `format-${randomUUID()}`,
          argv: findAndRunArgv(action, path),
          timeoutMs: FORMAT_TIMEOUT_MS,
          maxOutputBytes: outputLimit(content),
        },
        Buffer.from(content),
        FORMAT_TIMEOUT_MS + 10_000,
      );
      return formatOutcome(action, path, {
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        stdout: body.subarray(0, result.stdoutBytes).toString('utf8'),
        stdoutTruncated: result.stdoutTruncated,
        stderr: body
          .subarray(result.stdoutBytes, result.stdoutBytes + result.stderrBytes)
          .toString('utf8'),
      });
    },
  );
};
