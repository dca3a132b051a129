import {
  errorResponse,
  replaceBody,
  replaceReply,
  searchQuery,
  searchReply,
} from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { requireCaller } from '../auth/plugin';
import { answerOnceInCell, type WhenInCell } from '../files/settle';
import { requireOwnedWorkspace, workspaceOf } from '../workspaces/ownership';
import type { WorkspaceService } from '../workspaces/service';
import type { SearchService } from './service';

const tags = ['search'];
const params = z.object({ uuid: z.string() });
const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse, 422: errorResponse };

/** Search and replace across the workspace's files, from the database (the cell may be stopped). */
export const searchRoutes: FastifyPluginAsyncZod<{
  search: SearchService;
  workspaces: WorkspaceService;
  whenInCell: WhenInCell;
}> = async (app, { search, workspaces, whenInCell }) => {
  requireCaller(app);
  requireOwnedWorkspace(app, workspaces, 'remembered');
  answerOnceInCell(app, whenInCell);

  app.get(
    '/search',
    {
      schema: {
        tags,
        summary:
          "Matches of a text or regular expression in the workspace's text files, grouped by file; 400 INVALID_REGEX for a bad pattern, 422 SEARCH_TIMEOUT when it takes too long",
        params,
        querystring: searchQuery,
        response: { 200: searchReply, ...errors },
      },
    },
    async (request, reply) => {
      const answer = await search.search(workspaceOf(request).id, request.query);
      // Up to 10,000 matches: checking them against the schema again would hold the event
      // loop for tens of milliseconds, and the type already holds the service to it.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(answer) as never);
    },
  );

  app.post(
    '/replace',
    {
      schema: {
        tags,
        summary:
          'Replace the matches of a search in the files named (all, or those at the positions given): one new version and one revision per file, all or none; a file changed since the search is refused with 409 VERSION_CONFLICT. Restoring each `revision` undoes it.',
        params,
        body: replaceBody,
        response: { 200: replaceReply, ...errors, 409: errorResponse, 413: errorResponse },
      },
    },
    async (request) => search.replace(workspaceOf(request).id, request.body),
  );
};
