import { errorResponse, fileEntry } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { requireCaller } from '../auth/plugin';
import { requireOwnedWorkspace, workspaceOf } from '../workspaces/ownership';
import type { WorkspaceService } from '../workspaces/service';
import {
  archiveStream,
  attachmentDisposition,
  extractArchive,
  MAX_ARCHIVE_ENTRIES,
  ZIP_TYPES,
} from './archive';
import { validPath, type FileService } from './service';

const tags = ['files'];
const params = z.object({ uuid: z.string() });
/** Raw bytes, as OpenAPI names them (never validated: the body is a Buffer). */
const zipBytes = z.any().meta({ type: 'string', format: 'binary', description: 'A zip archive' });

/** `…/archive`: the workspace as a zip, and a zip extracted into it. */
export const archiveRoutes: FastifyPluginAsyncZod<{
  files: FileService;
  workspaces: WorkspaceService;
}> = async (app, { files, workspaces }) => {
  requireCaller(app);
  requireOwnedWorkspace(app, workspaces);
  const { maxWorkspaceBytes } = files.limits;

  app.get(
    '/archive',
    {
      schema: {
        tags,
        summary:
          'Download the whole workspace as a zip (application/zip, an attachment named after the workspace): every folder as a directory entry, every file',
        params,
        response: {
          200: {
            description: 'The zip archive',
            content: { 'application/zip': { schema: zipBytes } },
          },
          401: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const workspace = workspaceOf(request);
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', attachmentDisposition(`${workspace.name}.zip`))
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(archiveStream(files, workspace.id));
    },
  );

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ZIP_TYPES,
    // The compressed archive may be as large as the workspace, plus its headers.
    { parseAs: 'buffer', bodyLimit: maxWorkspaceBytes + MAX_ARCHIVE_ENTRIES * 4096 },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/archive',
    {
      schema: {
        tags,
        summary:
          'Extract a zip (the raw body, Content-Type: application/zip) into the workspace, or into `folder`. Folders are created and existing files overwritten (their content kept as revisions). All entries are written or none: an entry whose name is not a valid path (`..`, absolute, control characters) is 400, a file over the file limit or an archive over the workspace limit is 413, both before anything is inflated. `__MACOSX/` and `.DS_Store` are skipped.',
        consumes: ZIP_TYPES,
        params,
        querystring: z.object({
          folder: z
            .string()
            .optional()
            .describe('Workspace folder to extract into (created if missing); the root if omitted'),
        }),
        body: zipBytes,
        response: {
          200: z
            .object({ files: z.array(fileEntry) })
            .describe("The archive's files and folders, and the folders holding them, as now"),
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
          409: errorResponse,
          413: errorResponse,
          415: errorResponse,
        },
      },
    },
    async (request) => {
      const folder =
        request.query.folder === undefined ? undefined : validPath(request.query.folder);
      const body: unknown = request.body;
      const data = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      const rows = await extractArchive(files, workspaceOf(request).id, data, folder);
      return {
        files: rows.map((row) => ({
          path: row.path,
          type: row.type,
          size: row.size,
          version: row.version,
          updatedAt: row.updated_at.toISOString(),
        })),
      };
    },
  );
};
