/**
 * The workspace's file tree, like VS Code's explorer: live (the session's file list, see
 * useFileList), keyboard navigable (WAI-ARIA tree) with multi-select, inline new/rename,
 * a context menu (duplicate, delete with undo, download, copy path, reveal in terminal,
 * compare two files), drag-and-drop moves, uploads (files, folders, zips) and downloads.
 * This file wires the pieces.
 */
import { isWithin } from '@workcell/protocol';
import { useCallback, useImperativeHandle, useMemo, useState } from 'react';
import type { Ref } from 'react';

import { Loading } from '../../ui/Loading';
import type { FileTreeHandle } from '../contracts';
import { useSession } from '../session/context';
import { archiveDownloadUrl } from './fileOperations';
import { Notices, useNotices } from './Notices';
import {
  actionTargets,
  presentSelection,
  selectOnly,
  selectRange,
  toggleSelected,
} from './selection';
import { buildTree, dropFolder, visibleRows } from './tree-model';
import { TreeMenuActions } from './TreeMenuActions';
import { TreeRows } from './TreeRows';
import { TreeToolbar } from './TreeToolbar';
import { UploadProgressBar, UploadPrompts } from './UploadPrompts';
import { useExpanded } from './useExpanded';
import { useFileList } from './useFileList';
import { useTreeActions } from './useTreeActions';
import { useTreeDrag } from './useTreeDrag';
import { useTreeEditing } from './useTreeEditing';
import { useTreeFocus } from './useTreeFocus';
import { useTreeKeyboard } from './useTreeKeyboard';
import { useTreeUpload } from './useTreeUpload';

import './FileTree.css';

export interface FileTreeProps {
  ref: Ref<FileTreeHandle>;
  workspace: string;
  /** The file in the editor's active tab, highlighted in the tree. */
  activePath: string | undefined;
  onOpenFile: (path: string) => void;
  /** Opens a terminal in this workspace folder ('' for the root). */
  onRevealInTerminal?: (folder: string) => void;
  /** Shows two files side by side, `left` as the original. */
  onCompare?: (left: string, right: string) => void;
}

export function FileTree(props: FileTreeProps) {
  const { ref, workspace, activePath, onOpenFile } = props;
  const session = useSession();
  const { notices, notify, dismiss } = useNotices();
  const refreshFailed = useCallback(
    (message: string) => notify(`The file list could not be refreshed: ${message}`),
    [notify],
  );
  const { files, model, load, reload } = useFileList(refreshFailed);
  const { expanded, setExpanded, setFolderOpen, openFolders } = useExpanded(workspace);
  const focus = useTreeFocus(activePath, openFolders, model);
  const { cursor, treeElement, rowElements, focusRow, focusTree, setSelection } = focus;

  const roots = useMemo(() => buildTree(model), [model]);
  const rows = useMemo(() => visibleRows(roots, expanded), [roots, expanded]);
  const focusPath = rows.some((row) => row.path === cursor) ? cursor : rows[0]?.path;
  const selection = presentSelection(focus.selection, (path) => model.has(path));
  const [selectedForCompare, setSelectedForCompare] = useState<string>();
  // A file renamed or deleted since it was selected for compare is no longer selected.
  const compareBase =
    selectedForCompare !== undefined && model.get(selectedForCompare)?.type === 'file'
      ? selectedForCompare
      : undefined;

  useImperativeHandle(
    ref,
    () => ({
      focus: () => {
        const element =
          (focusPath !== undefined && rowElements.current.get(focusPath)) || treeElement.current;
        element?.focus();
      },
    }),
    [focusPath, rowElements, treeElement],
  );

  /** The folder new things go in: the focused folder, or the focused file's folder. */
  const currentFolder = () =>
    cursor !== undefined && model.has(cursor) ? dropFolder(model, cursor) : '';

  const edits = useTreeEditing({
    files,
    model,
    setExpanded,
    openFolders,
    onOpenFile,
    focusAfterEdit: (path) => {
      const target = path ?? focusPath;
      if (target !== undefined) focusRow(target);
      else focusTree();
    },
  });
  const uploads = useTreeUpload({ workspace, files, openFolders, notify });
  const targetsOf = (path: string) => actionTargets(selection, path);
  const actions = useTreeActions({
    session,
    setExpanded,
    notify,
    focusRow,
    focusTree,
    rowAfter: (paths) => {
      const gone = (row: { path: string }) => paths.some((path) => isWithin(row.path, path));
      const first = rows.findIndex(gone);
      const after = rows.slice(first + 1).find((row) => !gone(row));
      return (
        after ??
        rows
          .slice(0, Math.max(first, 0))
          .reverse()
          .find((row) => !gone(row))
      )?.path;
    },
  });
  const drag = useTreeDrag({
    model,
    dragTargets: targetsOf,
    move: edits.move,
    upload: uploads.upload,
    notify,
    focusRow,
  });

  const activate = (path: string) => {
    const entry = model.get(path);
    if (!entry) return;
    if (entry.type === 'folder') setFolderOpen(path, !expanded.has(path));
    else onOpenFile(path);
  };

  const keyboard = useTreeKeyboard({
    rows,
    focusPath,
    editing: edits.editing !== undefined,
    treeElement,
    rowElements,
    focusRow,
    activate,
    setFolderOpen,
    startRename: edits.startRename,
    deleteEntries: (path) => void actions.deleteEntries(targetsOf(path)),
    selectPath: (path) =>
      setSelection((current) => (current.paths.has(path) ? current : selectOnly(path))),
    rowPathOf: drag.rowPathOf,
  });

  const onRowClick = (path: string, event: React.MouseEvent) => {
    if (event.ctrlKey || event.metaKey) focusRow(path, (current) => toggleSelected(current, path));
    else if (event.shiftKey) focusRow(path, (current) => selectRange(current, rows, path));
    else {
      focusRow(path);
      activate(path);
    }
  };

  const empty = load.status === 'ready' && model.size === 0 && edits.editing === undefined;

  return (
    <div className="file-tree">
      <TreeToolbar
        archiveHref={archiveDownloadUrl(workspace)}
        fileInput={uploads.fileInput}
        onNewFile={() => edits.startNew('file', currentFolder())}
        onNewFolder={() => edits.startNew('folder', currentFolder())}
        onUpload={() => uploads.chooseUpload(currentFolder())}
        onRefresh={reload}
        onCollapse={() => setExpanded(new Set())}
        onFilesChosen={uploads.uploadChosen}
      />

      <UploadProgressBar progress={uploads.progress} />

      <Notices notices={notices} onDismiss={dismiss} />

      {load.status === 'loading' && model.size === 0 ? (
        <Loading label="Loading files…" />
      ) : load.status === 'error' ? (
        <div className="file-tree-message" role="alert">
          <p>The files could not be loaded: {load.message}</p>
          <button type="button" className="button" onClick={reload}>
            Retry
          </button>
        </div>
      ) : (
        <div
          className={drag.dropTarget === '' ? 'file-tree-body drop-target' : 'file-tree-body'}
          onDragOver={drag.onDragOver}
          onDragLeave={drag.onDragLeave}
          onDrop={drag.onDrop}
          onContextMenu={keyboard.onContextMenu}
        >
          {empty ? (
            <div className="file-tree-message">
              <p>No files yet</p>
              <button
                type="button"
                className="button primary"
                onClick={() => edits.startNew('file', '')}
              >
                New File
              </button>
              <p className="file-tree-hint">or drop files here to upload them</p>
            </div>
          ) : (
            <ul
              ref={treeElement}
              role="tree"
              aria-label="Files"
              aria-multiselectable="true"
              className="tree"
              tabIndex={rows.length === 0 ? 0 : -1}
              onKeyDown={keyboard.onKeyDown}
            >
              <TreeRows
                nodes={roots}
                level={1}
                folder=""
                view={{
                  expanded,
                  selected: selection.paths,
                  focusPath,
                  activePath,
                  dropTarget: drag.dropTarget,
                  editing: edits.editing,
                  nameError: edits.nameError,
                  onCreate: edits.create,
                  onRename: edits.rename,
                  onCancelEdit: edits.stopEditing,
                  onRowClick,
                  onRowFocus: focus.setCursor,
                  onDragStart: drag.onDragStart,
                  onDragEnd: drag.onDragEnd,
                  registerRow: focus.registerRow,
                }}
              />
            </ul>
          )}
        </div>
      )}

      {keyboard.menu && (
        <TreeMenuActions
          menu={keyboard.menu}
          targets={keyboard.menu.path === undefined ? [] : targetsOf(keyboard.menu.path)}
          model={model}
          workspace={workspace}
          onClose={keyboard.closeMenu}
          focusRow={focusRow}
          onOpenFile={onOpenFile}
          startNew={edits.startNew}
          startRename={edits.startRename}
          chooseUpload={uploads.chooseUpload}
          actions={actions}
          onRevealInTerminal={props.onRevealInTerminal}
          compareBase={compareBase}
          onSelectForCompare={setSelectedForCompare}
          onCompare={props.onCompare}
        />
      )}

      <UploadPrompts prompt={uploads.prompt} answer={uploads.answer} />
    </div>
  );
}
