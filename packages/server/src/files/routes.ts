import {
  conflictResponse,
  errorResponse,
  fileContent,
  fileEntry,
  fileList,
  copyBody,
  moveBody,
  rawQuery,
  restoreBody,
  revisionContent,
  revisionList,
  revisionQuery,
  writeFileBody,
  writtenFile,
} from '@workcell/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import mime from 'mime';
import * as z from 'zod';

import { requireCaller } from '../auth/plugin';
import { WorkcellError } from '../errors';
import { OFFLOAD_BYTES, type WorkerPool } from '../workers/pool';
import { requireOwnedWorkspace, workspaceOf } from '../workspaces/ownership';
import type { WorkspaceService } from '../workspaces/service';
import type { FileRevisionRow } from '../store/schema';
import { decodeContent, encodeContent, fileFields, toFileContent, toFileEntry } from './content';
import { pathFromUrl } from './request-path';
import { validPath, type FileService, type WrittenFile } from './service';
import { answerOnceInCell, type WhenInCell } from './settle';
import { reserveUploads, type UploadLedger } from './uploads';

const tags = ['files'];
const params = z.object({ uuid: z.string(), '*': z.string() });
const workspaceParams = z.object({ uuid: z.string() });
const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse };
const toRevision = (
  row: Pick<
    FileRevisionRow,
    'id' | 'version' | 'size' | 'sha256' | 'reason' | 'source' | 'saved_at' | 'created_at'
  >,
) => ({
  revision: row.id,
  version: row.version,
  size: row.size,
  sha256: row.sha256,
  reason: row.reason,
  source: row.source,
  // Revisions kept before their version's time was recorded: when it was replaced.
  savedAt: (row.saved_at ?? row.created_at).toISOString(),
  createdAt: row.created_at.toISOString(),
});

/** Types the mime package does not know but a Python workspace is full of. */
const extraTypes: Record<string, string | undefined> = {
  py: 'text/x-python',
  pyi: 'text/x-python',
};
const contentTypeOf = (path: string): string =>
  mime.getType(path) ??
  extraTypes[path.slice(path.lastIndexOf('.') + 1).toLowerCase()] ??
  'application/octet-stream';

const toWritten = (file: WrittenFile) => ({
  path: file.path,
  version: file.version,
  size: file.size,
  updatedAt: file.updatedAt.toISOString(),
});

/** `revisions`/`restore` after a path that is not a folder name the file's sub-resource. */
async function subResource(files: FileService, request: FastifyRequest, suffix: string) {
  const path = pathFromUrl(request, 'file');
  if (!path.endsWith(`/${suffix}`)) return undefined;
  const target = path.slice(0, -suffix.length - 1);
  const folder = await files.find(workspaceOf(request).id, path.slice(0, -suffix.length - 1));
  return folder?.type === 'folder' ? undefined : target;
}

export const fileRoutes: FastifyPluginAsyncZod<{
  files: FileService;
  uploads: UploadLedger;
  workspaces: WorkspaceService;
  workers: WorkerPool;
  whenInCell: WhenInCell;
}> = async (app, { files, uploads, workspaces, workers, whenInCell }) => {
  requireCaller(app);
  reserveUploads(app, uploads);
  requireOwnedWorkspace(app, workspaces, 'remembered');
  answerOnceInCell(app, whenInCell);
  const { maxFileBytes } = files.limits;

  const listRevisions = async (workspaceId: string, path: string) => ({
    path,
    revisions: (await files.revisions(workspaceId, path)).map(toRevision),
  });

  /** `/move` and `/copy` take the same body and answer the entry at its new path. */
  const relocation =
    (relocate: 'move' | 'copy') =>
    async (request: FastifyRequest<{ Body: { from: string; to: string } }>) =>
      toFileEntry(
        await files[relocate](
          workspaceOf(request).id,
          validPath(request.body.from),
          validPath(request.body.to),
          'api',
        ),
      );

  app.get(
    '/files',
    {
      schema: {
        tags,
        summary: 'The whole file tree of the workspace',
        params: workspaceParams,
        response: { 200: fileList, ...errors },
      },
    },
    async (request) => ({
      files: (await files.list(workspaceOf(request).id)).map(toFileEntry),
    }),
  );

  app.get(
    '/file/*',
    {
      schema: {
        tags,
        summary:
          'A file with its content (UTF-8 text or base64); `…/revisions` after a file path lists its revisions',
        params,
        response: { 200: z.union([fileContent, revisionList]), ...errors, 409: errorResponse },
      },
    },
    async (request, reply) => {
      const workspaceId = workspaceOf(request).id;
      const revisionsOf = await subResource(files, request, 'revisions');
      if (revisionsOf !== undefined) return listRevisions(workspaceId, revisionsOf);
      const row = await files.read(workspaceId, pathFromUrl(request, 'file'));
      if (row.size < OFFLOAD_BYTES) return toFileContent(row);
      // Encoding and writing out megabytes of JSON would hold every other user.
      const json = await workers.run('fileJson', { bytes: row.content!, fields: fileFields(row) });
      // Already the JSON text of a FileContent: Fastify sends strings as they are.
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );

  app.get(
    '/revisions/*',
    {
      schema: {
        tags,
        summary:
          'Earlier contents of a file (also after it was deleted), newest first; with `?revision=<id>`, that revision with its content (UTF-8 text or base64), 404 REVISION_NOT_FOUND unless it is one of this file',
        params,
        querystring: revisionQuery,
        response: { 200: z.union([revisionList, revisionContent]), ...errors },
      },
    },
    async (request) => {
      const workspaceId = workspaceOf(request).id;
      const path = pathFromUrl(request, 'revisions');
      const id = request.query.revision;
      if (id === undefined) return listRevisions(workspaceId, path);
      const row = await files.revision(workspaceId, path, id);
      return { path: row.path, ...toRevision(row), ...encodeContent(row.content) };
    },
  );

  const restore = async (request: FastifyRequest<{ Body: { revision: number } }>, path: string) =>
    toWritten(await files.restore(workspaceOf(request).id, path, request.body.revision, 'restore'));

  app.post(
    '/file/*',
    {
      bodyLimit: Math.ceil((maxFileBytes * 4) / 3) + 1024 * 1024,
      schema: {
        tags,
        summary:
          'Create or update a file, creating its folders. With baseVersion, a stale write is refused with 409 and the current content. `…/restore` after a file path restores a revision.',
        params,
        body: z.union([writeFileBody, restoreBody]),
        response: {
          200: writtenFile,
          201: writtenFile,
          ...errors,
          409: conflictResponse,
          413: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const restoreOf = await subResource(files, request, 'restore');
      const body = request.body;
      if (restoreOf !== undefined && 'revision' in body)
        return restore(request as FastifyRequest<{ Body: typeof body }>, restoreOf);
      if (!('content' in body))
        throw new WorkcellError(
          'VALIDATION_FAILED',
          'Give content (and optionally encoding and baseVersion).',
        );
      const bytes = decodeContent(body.content, body.encoding);
      const written = await files.write(
        workspaceOf(request).id,
        pathFromUrl(request, 'file'),
        bytes,
        {
          baseVersion: body.baseVersion,
          source: 'editor',
        },
      );
      return reply
        .code(written.version === 1 && written.changed ? 201 : 200)
        .send(toWritten(written));
    },
  );

  app.post(
    '/restore/*',
    {
      schema: {
        tags,
        summary:
          "Restore a revision as the file's new version (the replaced content becomes a revision)",
        params,
        body: restoreBody,
        response: { 200: writtenFile, ...errors, 409: errorResponse, 413: errorResponse },
      },
    },
    async (request) => restore(request, pathFromUrl(request, 'restore')),
  );

  app.delete(
    '/file/*',
    {
      schema: {
        tags,
        summary:
          'Delete a file, or a folder with everything in it (contents stay restorable as revisions)',
        params,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await files.delete(workspaceOf(request).id, pathFromUrl(request, 'file'), 'api');
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/folder/*',
    {
      schema: {
        tags,
        summary: 'Create a folder and its parents (an existing folder is fine)',
        params,
        response: { 201: fileEntry, ...errors, 409: errorResponse },
      },
    },
    async (request, reply) => {
      const folder = await files.createFolder(
        workspaceOf(request).id,
        pathFromUrl(request, 'folder'),
        'api',
      );
      return reply.code(201).send(toFileEntry(folder));
    },
  );

  app.post(
    '/move',
    {
      schema: {
        tags,
        summary: 'Rename or move a file or folder; 409 if the target exists',
        params: workspaceParams,
        body: moveBody,
        response: { 200: fileEntry, ...errors, 409: errorResponse },
      },
    },
    relocation('move'),
  );

  app.post(
    '/copy',
    {
      schema: {
        tags,
        summary:
          'Copy a file, or a folder with everything in it, to a new path: all of it or nothing (409 ALREADY_EXISTS if the target exists, 413 WORKSPACE_FULL past the quota)',
        params: workspaceParams,
        body: copyBody,
        response: { 200: fileEntry, ...errors, 409: errorResponse, 413: errorResponse },
      },
    },
    relocation('copy'),
  );

  app.get(
    '/raw/*',
    {
      schema: {
        tags,
        summary:
          'The bytes of a file, with a Content-Type from its extension and its version as ETag',
        params,
        querystring: rawQuery,
        response: { 200: z.any(), ...errors, 409: errorResponse },
      },
    },
    async (request, reply) => {
      const file = await files.read(workspaceOf(request).id, pathFromUrl(request, 'raw'));
      return (
        reply
          .header('content-type', contentTypeOf(file.path))
          .header('etag', `"${file.version}"`)
          .header('x-content-type-options', 'nosniff')
          // User files are untrusted: an uploaded HTML page must not run script on this origin.
          .header(
            'content-security-policy',
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
          )
          .send(Buffer.from(file.content ?? new Uint8Array()))
      );
    },
  );

  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: maxFileBytes },
      (_request, body, done) => done(null, body),
    );
    raw.put(
      '/raw/*',
      {
        config: { fileUpload: true },
        schema: {
          tags,
          summary:
            'Upload the raw bytes of a file; If-Match with a version (or "0" for create-only) refuses stale writes with 412',
          params,
          headers: z.object({ 'if-match': z.string().optional() }),
          response: {
            200: writtenFile,
            201: writtenFile,
            ...errors,
            409: errorResponse,
            412: conflictResponse,
            413: errorResponse,
          },
        },
      },
      async (request, reply) => {
        const ifMatch = request.headers['if-match'];
        let baseVersion: number | undefined;
        if (ifMatch !== undefined) {
          const match = /^(?:W\/)?"?(\d+)"?$/.exec(ifMatch.trim());
          if (!match)
            throw new WorkcellError(
              'VALIDATION_FAILED',
              'If-Match must be a file version, e.g. "3".',
            );
          baseVersion = Number(match[1]);
        }
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        try {
          const written = await files.write(
            workspaceOf(request).id,
            pathFromUrl(request, 'raw'),
            body,
            { baseVersion, source: 'upload' },
          );
          return await reply
            .code(written.version === 1 && written.changed ? 201 : 200)
            .send(toWritten(written));
        } catch (error) {
          if (error instanceof WorkcellError && error.code === 'VERSION_CONFLICT') {
            throw new WorkcellError('PRECONDITION_FAILED', undefined, error.details);
          }
          throw error;
        }
      },
    );
  });
};
