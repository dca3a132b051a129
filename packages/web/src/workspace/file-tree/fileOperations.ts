/**
 * The tree's operations on several files through the files API: duplicating a file or a
 * folder (there is no copy endpoint: each file is read and written under its new path),
 * deleting a selection, and undoing that delete from the revisions every deleted file
 * leaves behind. Each returns the changes to apply to the tree model.
 */
import type { FileContent, Revision } from '@workcell/protocol';
import { isWithin } from '@workcell/protocol';

import { request, workspaceUrl } from '../../api/client';
import { duplicatePath } from './duplicateName';
import type { FileChange, TreeEntry, TreeModel } from './tree-model';

/** Files copied at once while duplicating a folder: enough to overlap round trips. */
const COPY_CONCURRENCY = 4;

async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>) {
  for (let start = 0; start < items.length; start += COPY_CONCURRENCY)
    await Promise.all(items.slice(start, start + COPY_CONCURRENCY).map(each));
}

/** `path` and everything in it, parents before children. */
function subtree(model: TreeModel, path: string): TreeEntry[] {
  return [...model.values()]
    .filter((entry) => isWithin(entry.path, path))
    .sort((a, b) => a.path.length - b.path.length);
}

/** Copies `path` (a file, or a folder with everything in it) to `name copy…`; returns the copy's path. */
export async function duplicate(
  workspace: string,
  model: TreeModel,
  path: string,
  onChanges: (changes: FileChange[]) => void,
): Promise<string> {
  const isFolder = model.get(path)?.type === 'folder';
  const target = duplicatePath(path, isFolder, (p) => model.has(p));
  const entries = subtree(model, path);
  const folders = entries.filter((entry) => entry.type === 'folder');
  for (const folder of folders) {
    const to = target + folder.path.slice(path.length);
    const created = await request<{ version: number }>(
      'POST',
      workspaceUrl(workspace, 'folder', to),
    );
    onChanges([{ path: to, kind: 'folder', version: created.version }]);
  }
  await inBatches(
    entries.filter((entry) => entry.type === 'file'),
    async (file) => {
      const to = target + file.path.slice(path.length);
      const source = await request<FileContent>('GET', workspaceUrl(workspace, 'file', file.path));
      const written = await request<{ version: number }>(
        'POST',
        workspaceUrl(workspace, 'file', to),
        {
          body: { content: source.content, encoding: source.encoding, baseVersion: 0 },
        },
      );
      onChanges([{ path: to, kind: 'file', version: written.version }]);
    },
  );
  return target;
}

/** What a delete removed, to put back on Undo. */
export interface Deleted {
  files: string[];
  /** Folders with no file inside (their files bring the others back). */
  emptyFolders: string[];
}

/** Deletes each path (a folder with everything in it); stops at the first failure. */
export async function deleteAll(
  workspace: string,
  model: TreeModel,
  paths: readonly string[],
  onDeleted: (path: string, deleted: Deleted) => void,
): Promise<Deleted> {
  const all: Deleted = { files: [], emptyFolders: [] };
  for (const path of paths) {
    const entries = subtree(model, path);
    const files = entries.filter((entry) => entry.type === 'file').map((entry) => entry.path);
    const emptyFolders = entries
      .filter((entry) => entry.type === 'folder')
      .map((entry) => entry.path)
      .filter((folder) => !entries.some((e) => e.path !== folder && isWithin(e.path, folder)));
    await request('DELETE', workspaceUrl(workspace, 'file', path));
    const deleted = { files, emptyFolders };
    all.files.push(...files);
    all.emptyFolders.push(...emptyFolders);
    onDeleted(path, deleted);
  }
  return all;
}

/** Restores every deleted file from its newest revision (the content it was deleted with). */
export async function undoDelete(
  workspace: string,
  deleted: Deleted,
  onChanges: (changes: FileChange[]) => void,
): Promise<void> {
  for (const folder of deleted.emptyFolders) {
    const created = await request<{ version: number }>(
      'POST',
      workspaceUrl(workspace, 'folder', folder),
    );
    onChanges([{ path: folder, kind: 'folder', version: created.version }]);
  }
  await inBatches(deleted.files, async (path) => {
    const { revisions } = await request<{ revisions: Revision[] }>(
      'GET',
      workspaceUrl(workspace, 'revisions', path),
    );
    const last = revisions.find((revision) => revision.reason === 'delete');
    if (!last) throw new Error(`${path} has no revision to restore.`);
    const written = await request<{ version: number }>(
      'POST',
      workspaceUrl(workspace, 'restore', path),
      {
        body: { revision: last.revision },
      },
    );
    onChanges([{ path, kind: 'file', version: written.version }]);
  });
}
