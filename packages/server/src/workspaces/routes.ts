import {
  createWorkspaceBody,
  errorResponse,
  renameWorkspaceBody,
  workspace,
  workspaceList,
  workspaceListQuery,
} from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { callerOf, requireCaller } from '../auth/plugin';
import type { CellManager } from '../cells/manager';
import { WorkcellError } from '../errors';
import type { WorkspaceService } from './service';

const tags = ['workspaces'];
const params = z.object({ uuid: z.string() });
/** The prototype passed the caller as `?user_id=`; it is accepted only when it names the caller. */
const querystring = workspaceListQuery;

export const workspaceRoutes: FastifyPluginAsyncZod<{
  workspaces: WorkspaceService;
  cells: CellManager;
}> = async (app, { workspaces, cells }) => {
  requireCaller(app);
  app.addHook('preHandler', async (request) => {
    const { user_id: userId } = request.query as { user_id?: string };
    if (userId !== undefined && userId !== callerOf(request).id) {
      throw new WorkcellError('FORBIDDEN', 'user_id does not match the signed-in user.');
    }
  });

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "The caller's workspaces, most recently opened first",
        querystring,
        response: {
          200: workspaceList,
          401: errorResponse,
          403: errorResponse,
        },
      },
    },
    async (request) => ({ sessions: await workspaces.list(callerOf(request).id) }),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary:
          'Create a workspace, with the files of a template (`empty` unless `template` names another)',
        querystring,
        body: createWorkspaceBody,
        response: {
          201: workspace,
          400: errorResponse,
          401: errorResponse,
          403: errorResponse,
          409: errorResponse,
          413: errorResponse,
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await workspaces.create(callerOf(request).id, request.body.name, request.body.template),
        ),
  );

  app.get(
    '/:uuid',
    {
      schema: {
        tags,
        summary:
          'One workspace, marked as opened: `openedAt` becomes now (the list shows the most recently opened first)',
        params,
        querystring,
        response: { 200: workspace, 401: errorResponse, 403: errorResponse, 404: errorResponse },
      },
    },
    async (request) => workspaces.open(callerOf(request).id, request.params.uuid),
  );

  app.patch(
    '/:uuid',
    {
      schema: {
        tags,
        summary: 'Rename a workspace',
        params,
        querystring,
        body: renameWorkspaceBody,
        response: {
          200: workspace,
          400: errorResponse,
          401: errorResponse,
          403: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request) =>
      workspaces.rename(callerOf(request).id, request.params.uuid, request.body.name),
  );

  app.delete(
    '/:uuid',
    {
      schema: {
        tags,
        summary: 'Delete a workspace, its files and its cell',
        params,
        querystring,
        response: { 204: z.null(), 401: errorResponse, 403: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const { id } = await workspaces.getRow(callerOf(request).id, request.params.uuid);
      await cells.forget(id);
      await workspaces.delete(callerOf(request).id, id);
      return reply.code(204).send(null);
    },
  );
};
