import type { FastifyInstance, FastifyRequest } from 'fastify';

import { callerOf } from '../auth/plugin';
import type { WorkspaceRow } from '../store/schema';
import type { WorkspaceService } from './service';

declare module 'fastify' {
  interface FastifyRequest {
    workspace: WorkspaceRow | undefined;
  }
}

/**
 * Loads `:uuid` as the caller's workspace before the request is validated, so a caller
 * probing someone else's workspace gets the same 404 whatever else is wrong with the request.
 */
export function requireOwnedWorkspace(app: FastifyInstance, workspaces: WorkspaceService): void {
  app.decorateRequest('workspace', undefined);
  app.addHook('preValidation', async (request) => {
    const { uuid } = request.params as { uuid: string };
    request.workspace = await workspaces.getRow(callerOf(request).id, uuid);
  });
}

export function workspaceOf(request: FastifyRequest): WorkspaceRow {
  if (!request.workspace) throw new Error('requireOwnedWorkspace must run before this handler');
  return request.workspace;
}
