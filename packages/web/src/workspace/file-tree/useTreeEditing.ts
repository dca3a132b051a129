/**
 * Creating, renaming and moving entries: the inline name input's state, the name rules
 * checked before any request, and the requests themselves.
 */
import {
  isWithin,
  normaliseWorkspacePath,
  parentPaths,
  type FileEntry,
  type FileType,
} from '@workcell/protocol';
import { useState } from 'react';
import type { Dispatch, SetStateAction } from 'react';

import { ApiError, request, workspaceUrl } from '../../api/client';
import type { Editing } from './TreeRows';
import {
  applyChanges,
  baseName,
  joinPath,
  moveEntry,
  parentOf,
  remapExpanded,
  type TreeModel,
} from './tree-model';
import { messageOf } from './useFileList';

export interface TreeEditingDeps {
  workspace: string;
  model: TreeModel;
  setModel: Dispatch<SetStateAction<TreeModel>>;
  setExpanded: Dispatch<SetStateAction<ReadonlySet<string>>>;
  openFolders: (paths: readonly string[]) => void;
  /** Focus goes to this row, or back to the tree when undefined. */
  focusAfterEdit: (path: string | undefined) => void;
  onOpenFile: (path: string) => void;
}

/** An API failure in words for the user. */
export function apiMessage(error: unknown, path: string): string {
  if (error instanceof ApiError) {
    if (error.code === 'ALREADY_EXISTS' || error.code === 'VERSION_CONFLICT')
      return `${baseName(path)} already exists here.`;
    return error.message;
  }
  return messageOf(error);
}

export function useTreeEditing(deps: TreeEditingDeps) {
  const { workspace, model, setModel, setExpanded, openFolders, focusAfterEdit } = deps;
  const [editing, setEditing] = useState<Editing>();

  const startNew = (type: FileType, folder: string) => {
    if (folder) openFolders([...parentPaths(folder), folder]);
    setEditing({ mode: 'new', type, folder });
  };

  const startRename = (path: string) => setEditing({ mode: 'rename', path });

  const stopEditing = (focusOn?: string) => {
    setEditing(undefined);
    focusAfterEdit(focusOn);
  };

  /** The normalised path for `name` in `folder`, or why it cannot be used. */
  const checkName = (
    folder: string,
    name: string,
    except?: string,
  ): { path: string } | { error: string } => {
    const trimmed = name.trim();
    if (!trimmed) return { error: 'Give a name.' };
    const result = normaliseWorkspacePath(joinPath(folder, trimmed));
    if (!result.ok) return { error: `Not a valid name: ${result.reason}.` };
    if (result.path !== except && model.has(result.path))
      return { error: `${baseName(result.path)} already exists here.` };
    for (const parent of parentPaths(result.path))
      if (model.get(parent)?.type === 'file')
        return { error: `${parent} is a file, not a folder.` };
    return { path: result.path };
  };

  const nameError = (folder: string, name: string, except?: string) => {
    const checked = checkName(folder, name, except);
    return 'error' in checked ? checked.error : undefined;
  };

  const create = async (type: FileType, folder: string, name: string) => {
    const checked = checkName(folder, name);
    if ('error' in checked) return checked.error;
    const path = checked.path;
    try {
      const created =
        type === 'file'
          ? await request<{ version: number }>('POST', workspaceUrl(workspace, 'file', path), {
              body: { content: '', baseVersion: 0 },
            })
          : await request<FileEntry>('POST', workspaceUrl(workspace, 'folder', path));
      setModel((current) =>
        applyChanges(current, [{ path, kind: type, version: created.version }]),
      );
    } catch (error) {
      return apiMessage(error, path);
    }
    openFolders(parentPaths(path));
    stopEditing(path);
    if (type === 'file') deps.onOpenFile(path);
    return undefined;
  };

  const move = async (from: string, to: string): Promise<string | undefined> => {
    try {
      await request('POST', workspaceUrl(workspace, 'move'), { body: { from, to } });
    } catch (error) {
      return apiMessage(error, to);
    }
    setModel((current) => moveEntry(current, from, to));
    setExpanded((current) => remapExpanded(current, from, to));
    openFolders(parentPaths(to));
    return undefined;
  };

  const rename = async (from: string, name: string) => {
    const checked = checkName(parentOf(from), name, from);
    if ('error' in checked) return checked.error;
    if (checked.path === from) {
      stopEditing(from);
      return undefined;
    }
    if (isWithin(checked.path, from)) return 'A folder cannot be moved into itself.';
    const failure = await move(from, checked.path);
    if (failure) return failure;
    stopEditing(checked.path);
    return undefined;
  };

  return { editing, startNew, startRename, stopEditing, nameError, create, move, rename };
}
