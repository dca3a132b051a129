import { archiveDownloadQuery, archiveQuery, errorResponse, fileList } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { callerOf, requireCaller } from '../auth/plugin';
import { requireOwnedWorkspace, workspaceOf } from '../workspaces/ownership';
import type { WorkspaceService } from '../workspaces/service';
import { WorkcellError } from '../errors';
import { archiveStream, attachmentDisposition } from './archive-download';
import { toFileEntry } from './content';
import { ArchiveImporter, ZIP_TYPES } from './archive-import';
import { validPath, type FileService } from './service';
import { answerOnceInCell, type WhenInCell } from './settle';
import { reserveUploads, type UploadLedger } from './uploads';

const tags = ['files'];
const params = z.object({ uuid: z.string() });
/** Raw bytes, as OpenAPI names them (never validated: the body is a Buffer). */
const zipBytes = z.any().meta({ type: 'string', format: 'binary', description: 'A zip archive' });

/** `…/archive`: the workspace as a zip, and a zip extracted into it. */
export const archiveRoutes: FastifyPluginAsyncZod<{
  files: FileService;
  uploads: UploadLedger;
  workspaces: WorkspaceService;
  maxArchiveEntries: number;
  whenInCell: WhenInCell;
}> = async (app, { files, uploads, workspaces, maxArchiveEntries, whenInCell }) => {
  requireCaller(app);
  reserveUploads(app, uploads);
  requireOwnedWorkspace(app, workspaces, 'remembered');
  answerOnceInCell(app, whenInCell);
  const importer = new ArchiveImporter(files, {
    maxEntries: maxArchiveEntries,
    // The compressed archive may be as large as the workspace, plus its headers.
    maxBodyBytes: files.limits.maxWorkspaceBytes + maxArchiveEntries * 4096,
  });
  app.addHook('onClose', () => importer.close());

  app.get(
    '/archive',
    {
      schema: {
        tags,
        summary:
          'Download the whole workspace as a zip (application/zip, an attachment named after the workspace), or one `folder` (named after it): every folder as a directory entry, every file. A `folder` that does not exist, or is a file, is 404 FILE_NOT_FOUND',
        params,
        querystring: archiveDownloadQuery,
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
      const folder =
        request.query.folder === undefined ? undefined : validPath(request.query.folder);
      if (folder !== undefined && (await files.find(workspace.id, folder))?.type !== 'folder')
        throw new WorkcellError('FILE_NOT_FOUND');
      const name =
        folder === undefined
          ? (await workspaces.getRow(callerOf(request).id, workspace.id)).name
          : folder.slice(folder.lastIndexOf('/') + 1);
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', attachmentDisposition(`${name}.zip`))
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(archiveStream(files, workspace.id, folder));
    },
  );

  app.removeAllContentTypeParsers();
  // The body stays a stream, read by the importer as it passes it to its worker.
  app.addContentTypeParser(ZIP_TYPES, (_request, payload, done) => done(null, payload));

  app.post(
    '/archive',
    {
      schema: {
        tags,
        summary:
          'Extract a zip (the raw body, Content-Type: application/zip) into the workspace, or into `folder`. Folders are created and existing files overwritten (their content kept as revisions). All entries are written or none: an entry whose name is not a valid path (`..`, absolute, control characters, twice the same) is 400 VALIDATION_FAILED; what is not a readable zip (damaged, encrypted, a size or checksum that does not match) is 400 ARCHIVE_INVALID; more entries than MAX_ARCHIVE_ENTRIES is 413 ARCHIVE_TOO_MANY_ENTRIES; an entry that inflates past the file limit is 413 FILE_TOO_LARGE and files that inflate past the room the workspace has left are 413 WORKSPACE_FULL, inflating stopping there whatever the headers declare. `__MACOSX/` and `.DS_Store` are skipped.',
        consumes: ZIP_TYPES,
        params,
        querystring: archiveQuery,
        body: zipBytes,
        response: {
          200: fileList.describe(
            "The archive's files and folders, and the folders holding them, as now",
          ),
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
      const declared = Number(request.headers['content-length']);
      if (declared > importer.limits.maxBodyBytes) throw new WorkcellError('PAYLOAD_TOO_LARGE');
      const rows = await importer.extract(
        workspaceOf(request).id,
        request.body as AsyncIterable<Uint8Array>,
        folder,
      );
      return { files: rows.map(toFileEntry) };
    },
  );
};
