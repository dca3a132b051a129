/**
 * A change to a workspace's files answers once its running cell holds it: otherwise the
 * command typed next in the terminal (the IDE's Run saves, then types `python3 …`) could
 * run before the save reached the cell, and run the old code.
 */
import type { FastifyInstance } from 'fastify';

/** Waits until the workspace's cell holds what was saved (the cell manager's `synced`). */
export type WhenInCell = (workspaceId: string) => Promise<void>;

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function answerOnceInCell(app: FastifyInstance, whenInCell: WhenInCell): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!READS.has(request.method) && reply.statusCode < 300 && request.workspace) {
      await whenInCell(request.workspace.id);
    }
    return payload;
  });
}
