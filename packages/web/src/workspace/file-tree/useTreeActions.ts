/**
 * What the context menu and the keyboard do to entries beyond creating and renaming:
 * duplicate, delete at once with an Undo offer, download, copy paths.
 */
import { isWithin, routes } from '@workcell/protocol';
import type { Dispatch, SetStateAction } from 'react';

import { routeUrl } from '../../api/api';
import { messageOf } from '../editor/paths';
import {
  archiveDownloadUrl,
  deleteAll,
  duplicate,
  undoDelete,
  type FilesOf,
} from './fileOperations';
import { baseName } from './tree-model';
import { apiMessage } from './useTreeEditing';
import type { Notice } from './Notices';
import { CELL_ROOT } from './treeMenu';

export interface TreeActionsDeps {
  session: FilesOf;
  setExpanded: Dispatch<SetStateAction<ReadonlySet<string>>>;
  notify: (message: string, action?: Notice['action']) => void;
  focusRow: (path: string) => void;
  /** Where focus goes after rows were deleted: the row after them, or undefined for the tree. */
  rowAfter: (paths: readonly string[]) => string | undefined;
  focusTree: () => void;
}

const describeCount = (paths: readonly string[]) =>
  paths.length === 1 ? baseName(paths[0]!) : `${paths.length} items`;

export function useTreeActions(deps: TreeActionsDeps) {
  const { session, notify } = deps;

  const duplicateEntry = async (path: string) => {
    try {
      const copy = await duplicate(session, path);
      deps.focusRow(copy);
    } catch (error) {
      notify(`${baseName(path)} was not duplicated: ${apiMessage(error, path)}`);
    }
  };

  const undo = async (deleted: Awaited<ReturnType<typeof deleteAll>>, label: string) => {
    try {
      await undoDelete(session, deleted);
    } catch (error) {
      notify(`${label} could not be fully restored: ${apiMessage(error, label)}`);
    }
  };

  const deleteEntries = async (paths: readonly string[]) => {
    if (paths.length === 0) return;
    const next = deps.rowAfter(paths);
    const label = describeCount(paths);
    let deleted;
    try {
      deleted = await deleteAll(session, paths, (path) =>
        deps.setExpanded(
          (current) => new Set([...current].filter((open) => !isWithin(open, path))),
        ),
      );
    } catch (error) {
      notify(`${label} was not deleted: ${apiMessage(error, label)}`);
      return;
    }
    if (next !== undefined) deps.focusRow(next);
    else deps.focusTree();
    notify(`Deleted ${label}.`, { label: 'Undo', run: () => void undo(deleted, label) });
  };

  /** Downloads files through the raw endpoint, folders as zips. */
  const download = (paths: readonly string[]) => {
    for (const path of paths) {
      const type = session.files.snapshot.model.get(path)?.type;
      if (type === undefined) continue;
      const anchor = document.createElement('a');
      anchor.href =
        type === 'file'
          ? routeUrl(routes.readRaw, { uuid: session.workspace, path })
          : archiveDownloadUrl(session.workspace, path);
      anchor.download = type === 'file' ? baseName(path) : `${baseName(path)}.zip`;
      anchor.click();
    }
  };

  const copyPaths = async (paths: readonly string[], absolute: boolean) => {
    const text = paths.map((path) => (absolute ? `${CELL_ROOT}/${path}` : path)).join('\n');
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      notify(`The path could not be copied: ${messageOf(error)}`);
    }
  };

  return { duplicateEntry, deleteEntries, download, copyPaths };
}
