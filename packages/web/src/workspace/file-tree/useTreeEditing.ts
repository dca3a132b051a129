/**
 * Creating, renaming and moving entries: the inline name input's state, the name rules
 * checked before any request, and the changes themselves (through the session's file list).
 */
import { isWithin, normaliseWorkspacePath, parentPaths, type FileType } from '@workcell/protocol';
import { useState } from 'react';
import type { Dispatch, SetStateAction } from 'react';

import { ApiError } from '../../api/client';
import { messageOf } from '../editor/paths';
import type { WorkspaceFiles } from '../session/files';
import type { Editing } from './TreeRows';
import { baseName, joinPath, parentOf, remapExpanded, type TreeModel } from './tree-model';

export interface TreeEditingDeps {
  files: WorkspaceFiles;
  model: TreeModel;
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
  const { files, model, setExpanded, openFolders, focusAfterEdit } = deps;
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
      if (type === 'file') await files.createFile(path);
      else await files.createFolder(path);
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
      await files.move(from, to);
    } catch (error) {
      return apiMessage(error, to);
    }
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
