import { errorResponse, usage } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { callerOf, requireCaller } from '../auth/plugin';
import type { WorkspaceService } from './service';

/** `/api/users/me/usage`: what the signed-in user stores and may store. */
export const usageRoutes: FastifyPluginAsyncZod<{ workspaces: WorkspaceService }> = async (
  app,
  { workspaces },
) => {
  requireCaller(app);

  app.get(
    '/',
    {
      schema: {
        tags: ['users'],
        summary:
          'Storage used (files and their kept earlier versions, in all workspaces) against MAX_USER_BYTES, and workspaces against MAX_WORKSPACES_PER_USER',
        response: { 200: usage, 401: errorResponse },
      },
    },
    async (request) => workspaces.usage(callerOf(request).id),
  );
};
