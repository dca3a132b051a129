import { randomUUID } from 'node:crypto';

import { cellStatus, errorResponse, runBody, runResult, type CellStatus } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { callerOf, requireCaller } from '../auth/plugin';
import type { Config } from '../config';
import { validPath } from '../files/service';
import { requireOwnedWorkspace, workspaceOf } from '../workspaces/ownership';
import type { WorkspaceService } from '../workspaces/service';
import type { CellManager } from './manager';

const tags = ['cells'];
const params = z.object({ uuid: z.string() });
// 409 CELL_ELSEWHERE: another replica runs the cell.
const errors = {
  401: errorResponse,
  404: errorResponse,
  409: errorResponse,
  429: errorResponse,
  503: errorResponse,
};

interface Options {
  cells: CellManager;
  workspaces: WorkspaceService;
  config: Config;
}

async function statusOf(cells: CellManager, workspaceId: string): Promise<CellStatus> {
  const row = await cells.record(workspaceId);
  return {
    state: row?.state ?? 'stopped',
    reason: row?.reason ?? null,
    driver: row?.driver ?? null,
    startedAt: row?.started_at?.toISOString() ?? null,
    lastActivityAt: row?.last_activity_at.toISOString() ?? null,
    python: row?.state === 'ready' ? (cells.get(workspaceId)?.python ?? null) : null,
  };
}

type App = Parameters<FastifyPluginAsyncZod<Options>>[0];

function addShutdownRoute(app: App, cells: CellManager): void {
  app.post(
    '/shutdown',
    {
      schema: {
        tags,
        summary: "Stop the workspace's cell; its files are already in the database",
        params,
        response: {
          200: z.object({
            success: z.literal(true),
            message: z.string(),
            workspace_id: z.string(),
            cell: cellStatus,
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const workspace = workspaceOf(request);
      const stopped = await cells.stop(workspace.id, 'stopped by the user');
      return {
        success: true as const,
        message: stopped ? 'The cell was stopped.' : 'The cell was not running.',
        workspace_id: workspace.id,
        cell: await statusOf(cells, workspace.id),
      };
    },
  );
}

/** The prototype's `POST /workspace/{uuid}/shutdown`, outside /api. */
export const legacyShutdownRoute: FastifyPluginAsyncZod<Options> = async (
  app,
  { cells, workspaces },
) => {
  requireCaller(app);
  requireOwnedWorkspace(app, workspaces);
  addShutdownRoute(app, cells);
};

export const cellRoutes: FastifyPluginAsyncZod<Options> = async (
  app,
  { cells, workspaces, config },
) => {
  requireCaller(app);
  requireOwnedWorkspace(app, workspaces);
  addShutdownRoute(app, cells);

  app.get(
    '/cell',
    {
      schema: {
        tags,
        summary: "The state of the workspace's cell (read-only)",
        params,
        response: { 200: cellStatus, ...errors },
      },
    },
    async (request) => statusOf(cells, workspaceOf(request).id),
  );

  app.post(
    '/start',
    {
      schema: {
        tags,
        summary: "Start the workspace's cell (if it is not running) and return its state",
        params,
        response: { 200: cellStatus, ...errors },
      },
    },
    async (request) => {
      const workspace = workspaceOf(request);
      await cells.ensure(workspace.id, callerOf(request).id);
      await workspaces.markOpened(workspace.id);
      return statusOf(cells, workspace.id);
    },
  );

  app.post(
    '/run',
    {
      schema: {
        tags,
        summary:
          'Run a Python file or code in the cell and return its output, exit status, time and memory',
        params,
        body: runBody,
        response: { 200: runResult, 400: errorResponse, ...errors },
      },
    },
    async (request) => {
      const workspace = workspaceOf(request);
      const { path, code, stdin, timeoutMs } = request.body;
      const argv =
        path !== undefined ? ['python3', validPath(path)] : ['python3', '-c', code ?? ''];
      const cell = await cells.ensure(workspace.id, callerOf(request).id);
      await cell.sync.flush();
      const started = Date.now();
      cells.touch(workspace.id);
      const { result, body } = await cell.agent.request(
        {
          op: 'exec.run',
          // Unique per run: two runs of a workspace may start in the same millisecond.
          execId: `run-${randomUUID()}`,
          argv,
          timeoutMs: Math.min(timeoutMs ?? config.RUN_TIMEOUT_MS, config.RUN_MAX_TIMEOUT_MS),
          maxOutputBytes: config.RUN_MAX_OUTPUT_BYTES,
        },
        Buffer.from(stdin ?? ''),
        Math.min(timeoutMs ?? config.RUN_TIMEOUT_MS, config.RUN_MAX_TIMEOUT_MS) + 10_000,
      );
      cells.touch(workspace.id);
      const limits =
        result.signal === 'SIGKILL' && !result.timedOut
          ? await cells.limitEventsSince(workspace.id, started)
          : [];
      return {
        stdout: body.subarray(0, result.stdoutBytes).toString('utf8'),
        stderr: body
          .subarray(result.stdoutBytes, result.stdoutBytes + result.stderrBytes)
          .toString('utf8'),
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        wallMs: result.wallMs,
        cpuMs: result.cpuMs,
        peakMemoryBytes: result.peakMemoryBytes,
        stdoutTruncated: result.stdoutTruncated,
        stderrTruncated: result.stderrTruncated,
        killedBy: limits[0]?.message ?? null,
      };
    },
  );
};
