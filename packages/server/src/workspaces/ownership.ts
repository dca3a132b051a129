import type { FastifyInstance, FastifyRequest } from 'fastify';

import { callerOf } from '../auth/plugin';
import type { OwnedWorkspace, WorkspaceService } from './service';

declare module 'fastify' {
  interface FastifyRequest {
    workspace: OwnedWorkspace | undefined;
  }
}

/**
 * Checks `:uuid` is the caller's workspace before the request is validated, so a caller
 * probing someone else's workspace gets the same 404 whatever else is wrong with the request.
 * `remembered` lets a recent check answer (`WorkspaceService.owned`): only for routes whose
 * statements find a workspace deleted meanwhile empty or refuse it.
 */
export function requireOwnedWorkspace(
  app: FastifyInstance,
  workspaces: WorkspaceService,
  check: 'current' | 'remembered' = 'current',
): void {
  app.decorateRequest('workspace', undefined);
  app.addHook('preValidation', async (request) => {
    const { uuid } = request.params as { uuid: string };
    const ownerId = callerOf(request).id;
    request.workspace =
      check === 'remembered'
        ? await workspaces.owned(ownerId, uuid)
        : await workspaces.getRow(ownerId, uuid);
  });
}

export function workspaceOf(request: FastifyRequest): OwnedWorkspace {
  if (!request.workspace) throw new Error('requireOwnedWorkspace must run before this handler');
  return request.workspace;
}
