/**
 * The tree's operations on several files through the files API: duplicating a file or a
 * folder (one copy on the server, all or nothing), deleting a selection, and undoing that
 * delete from the revisions every deleted file leaves behind. Every change goes into the
 * session's file list as soon as it is made.
 */
import { isWithin, routes } from '@workcell/protocol';

import { api, routeUrl } from '../../api/api';
import type { WorkspaceSession } from '../session/WorkspaceSession';
import { duplicatePath } from './duplicateName';
import type { TreeEntry, TreeModel } from './tree-model';

/** The workspace whose files are changed, and its file list (which shows each change). */
export type FilesOf = Pick<WorkspaceSession, 'workspace' | 'files'>;

/** Files restored at once by an undo: enough to overlap round trips. */
const RESTORE_CONCURRENCY = 4;

async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>) {
  for (let start = 0; start < items.length; start += RESTORE_CONCURRENCY)
    await Promise.all(items.slice(start, start + RESTORE_CONCURRENCY).map(each));
}

/** `path` and everything in it, parents before children. */
function subtree(model: TreeModel, path: string): TreeEntry[] {
  return [...model.values()]
    .filter((entry) => isWithin(entry.path, path))
    .sort((a, b) => a.path.length - b.path.length);
}

/** Copies `path` (a file, or a folder with everything in it) to `name copy…`; returns the copy's path. */
export async function duplicate({ files }: FilesOf, path: string): Promise<string> {
  const model = files.snapshot.model;
  const target = duplicatePath(path, model.get(path)?.type === 'folder', (p) => model.has(p));
  await files.copy(path, target);
  return target;
}

/** Where the workspace, or one folder of it, downloads as a zip. */
export function archiveDownloadUrl(workspace: string, folder?: string): string {
  return routeUrl(routes.downloadArchive, {
    uuid: workspace,
    ...(folder !== undefined && { query: { folder } }),
  });
}

/** What a delete removed, to put back on Undo. */
export interface Deleted {
  files: string[];
  /** Folders with no file inside (their files bring the others back). */
  emptyFolders: string[];
}

/** Deletes each path (a folder with everything in it); stops at the first failure. */
export async function deleteAll(
  { files }: FilesOf,
  paths: readonly string[],
  onDeleted: (path: string) => void,
): Promise<Deleted> {
  const all: Deleted = { files: [], emptyFolders: [] };
  for (const path of paths) {
    const entries = subtree(files.snapshot.model, path);
    const folders = entries.filter((entry) => entry.type === 'folder').map((entry) => entry.path);
    const emptyFolders = folders.filter(
      (folder) => !entries.some((e) => e.path !== folder && isWithin(e.path, folder)),
    );
    await files.remove(path);
    all.files.push(...entries.filter((entry) => entry.type === 'file').map((entry) => entry.path));
    all.emptyFolders.push(...emptyFolders);
    onDeleted(path);
  }
  return all;
}

/** Restores every deleted file from its newest revision (the content it was deleted with). */
export async function undoDelete({ workspace, files }: FilesOf, deleted: Deleted): Promise<void> {
  for (const folder of deleted.emptyFolders) await files.createFolder(folder);
  await inBatches(deleted.files, async (path) => {
    const reply = await api.revisions({ uuid: workspace, path });
    const last =
      'revisions' in reply
        ? reply.revisions.find((revision) => revision.reason === 'delete')
        : undefined;
    if (!last) throw new Error(`${path} has no revision to restore.`);
    const written = await api.restore({
      uuid: workspace,
      path,
      body: { revision: last.revision },
    });
    files.apply([{ path, kind: 'file', version: written.version }]);
  });
}
