import { ensureDefaultReply, errorResponse, workspaceStatus } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { requireCaller } from '../auth/plugin';
import type { FileService } from '../files/service';
import { requireOwnedWorkspace, workspaceOf } from './ownership';
import type { WorkspaceService } from './service';

const tags = ['workspaces'];
const params = z.object({ uuid: z.string() });
const errors = { 401: errorResponse, 404: errorResponse };

/** The prototype's `status` and `ensure-default`, kept so its clients still work. Status never starts anything. */
export const workspaceStatusRoutes: FastifyPluginAsyncZod<{
  workspaces: WorkspaceService;
  files: FileService;
}> = async (app, { workspaces, files }) => {
  requireCaller(app);
  requireOwnedWorkspace(app, workspaces);

  app.get(
    '/status',
    {
      schema: {
        tags,
        summary: 'Whether the workspace has files (read-only: it never starts a cell)',
        params,
        response: {
          200: workspaceStatus,
          ...errors,
        },
      },
    },
    async (request) => {
      const entries = await files.list(workspaceOf(request).id);
      const fileCount = entries.filter((entry) => entry.type === 'file').length;
      return {
        status: entries.length === 0 ? ('empty' as const) : ('ready' as const),
        message:
          entries.length === 0
            ? 'The workspace has no files.'
            : `The workspace has ${fileCount} files.`,
        initialized: entries.length > 0,
        file_count: fileCount,
      };
    },
  );

  app.post(
    '/ensure-default',
    {
      schema: {
        tags,
        summary: 'Create main.py when the workspace has no files at all',
        params,
        response: {
          200: ensureDefaultReply,
          ...errors,
        },
      },
    },
    async (request) => {
      const workspace = workspaceOf(request);
      await workspaces.markOpened(workspace.id);
      return workspaces.ensureDefault(workspace.id);
    },
  );
};
