import { errorResponse, WORKSPACE_STATE_LIMITS, workspaceState } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { callerOf, requireCaller } from '../auth/plugin';
import { requireOwnedWorkspace, workspaceOf } from '../workspaces/ownership';
import type { WorkspaceService } from '../workspaces/service';
import type { WorkspaceStateService } from './service';

const tags = ['workspaces'];
const params = z.object({ uuid: z.string() });
const errors = { 401: errorResponse, 404: errorResponse };

/** `/api/workspace/{uuid}/state`: what the web app remembers of the workspace for its owner. */
export const workspaceStateRoutes: FastifyPluginAsyncZod<{
  workspaces: WorkspaceService;
  workspaceState: WorkspaceStateService;
}> = async (app, { workspaces, workspaceState: service }) => {
  requireCaller(app);
  requireOwnedWorkspace(app, workspaces);

  app.get(
    '/state',
    {
      schema: {
        tags,
        summary:
          'The open tabs, layout, panels, terminals and run configurations last saved for this workspace (an empty state when none was)',
        params,
        response: { 200: workspaceState, ...errors },
      },
    },
    async (request) => service.get(callerOf(request).id, workspaceOf(request).id),
  );

  app.put(
    '/state',
    {
      bodyLimit: WORKSPACE_STATE_LIMITS.bytes,
      schema: {
        tags,
        summary: `Replace the saved state of this workspace (at most ${WORKSPACE_STATE_LIMITS.bytes / 1024} KiB of JSON). An invalid document changes nothing.`,
        params,
        body: workspaceState,
        response: {
          204: z.null(),
          400: errorResponse,
          413: errorResponse,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      await service.put(callerOf(request).id, workspaceOf(request).id, request.body);
      return reply.code(204).send(null);
    },
  );
};
