/**
 * Reading an open document's file from the server: an image's size and version only (the
 * viewer fetches its bytes), a binary file's details, a text file's content with the draft
 * of an earlier visit offered back when it differs.
 */
import { routes, type FileContent } from '@workcell/protocol';

import { readFile, routeUrl } from '../../api/api';
import { ApiError } from '../../api/client';
import type { DraftStore } from './drafts';
import type { OpenDocument } from './document';
import { draftToOffer } from './sync';

/** The file as the server has it now, or null if it does not exist. */
export async function fetchFile(workspace: string, path: string): Promise<FileContent | null> {
  try {
    return await readFile(workspace, path);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'FILE_NOT_FOUND') return null;
    throw error;
  }
}

export interface LoadContext {
  workspace: string;
  drafts: DraftStore;
  /** Whether the document is still open: a closed one is left alone. */
  live: () => boolean;
}

/**
 * Fills `doc` from the server. Throws ApiError 404 for a file neither the server nor a
 * draft has; resolves false when the document was closed meanwhile.
 */
export async function loadDocument(doc: OpenDocument, context: LoadContext): Promise<boolean> {
  if (doc.kind === 'image') {
    const { size, version } = await imageDetails(context.workspace, doc.path);
    doc.size = size;
    doc.serverVersion = version;
    doc.revision = version;
    return true;
  }
  const file = await fetchFile(context.workspace, doc.path);
  if (!context.live()) return false;
  const draft = context.drafts.get(doc.path);
  if (file === null && !draft) throw notFound(doc.path);
  if (file && file.encoding === 'base64') {
    doc.kind = 'binary';
    doc.size = file.size;
    doc.serverVersion = file.version;
    return true;
  }
  doc.attachModel(file?.content ?? '', file?.version ?? 0);
  doc.deletedOnDisk = file === null;
  doc.size = file?.size ?? 0;
  const offer = draftToOffer(draft, file);
  if (offer) doc.pending = { kind: 'draft', draft: offer, current: file };
  else if (draft) context.drafts.remove(doc.path);
  return true;
}

async function imageDetails(workspace: string, path: string) {
  const response = await fetch(routeUrl(routes.readRaw, { uuid: workspace, path }), {
    method: 'HEAD',
    credentials: 'same-origin',
  });
  if (response.status === 404) throw notFound(path);
  if (!response.ok) throw new ApiError(response.status, 'INTERNAL', response.statusText);
  return {
    size: Number(response.headers.get('content-length') ?? 0),
    version: Number(/\d+/.exec(response.headers.get('etag') ?? '')?.[0] ?? 0),
  };
}

const notFound = (path: string) => new ApiError(404, 'FILE_NOT_FOUND', `No file at ${path}.`);
