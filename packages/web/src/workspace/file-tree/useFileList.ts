/**
 * The tree's view of the workspace's file list, which the session owns (listed once on
 * open, kept current from `file.changed`): its state, a refresh, and a notice when a
 * refresh fails while a tree is on screen.
 */
import { useCallback, useEffect } from 'react';

import { useFiles, useSession } from '../session/context';
import type { FilesState, WorkspaceFiles } from '../session/files';
import type { TreeModel } from './tree-model';

export interface FileList {
  /** Where the tree's own changes go: creates, moves, deletes, applied changes. */
  files: WorkspaceFiles;
  model: TreeModel;
  load: FilesState;
  /** Lists the files again (after a failed first load, shows the loading state first). */
  reload: () => void;
}

export function useFileList(
  /** A refresh failed while a tree is on screen (it stays). */
  onRefreshFailed: (message: string) => void,
): FileList {
  const { files } = useSession();
  const load = useFiles();

  useEffect(() => {
    const subscription = files.onRefreshFailed(onRefreshFailed);
    return () => subscription.dispose();
  }, [files, onRefreshFailed]);

  const reload = useCallback(() => void files.reload().catch(() => undefined), [files]);

  return { files, model: load.model, load, reload };
}
