import { errorResponse, usage } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { callerOf, requireCaller } from '../auth/plugin';
import type { UploadLedger } from '../files/uploads';
import type { WorkspaceService } from './service';

/** `/api/users/me/usage`: what the signed-in user stores and may store. */
export const usageRoutes: FastifyPluginAsyncZod<{
  workspaces: WorkspaceService;
  uploads: UploadLedger;
}> = async (app, { workspaces, uploads }) => {
  requireCaller(app);

  app.get(
    '/',
    {
      schema: {
        tags: ['users'],
        summary:
          'Storage used (files and their kept earlier versions, in all workspaces, and uploads being received) against MAX_USER_BYTES, and workspaces against MAX_WORKSPACES_PER_USER',
        response: { 200: usage, 401: errorResponse },
      },
    },
    async (request) => {
      const userId = callerOf(request).id;
      const stored = await workspaces.usage(userId);
      return { ...stored, bytes: stored.bytes + uploads.uploading(userId) };
    },
  );
};
