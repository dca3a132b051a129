/**
 * The workspace's file tree, like VS Code's explorer: live (applies `file.changed` events,
 * refetches after every reconnection), keyboard navigable (WAI-ARIA tree), with inline
 * new/rename, delete, drag-and-drop moves, uploads (files, folders, zips) and downloads.
 */
import {
  isWithin,
  normaliseWorkspacePath,
  parentPaths,
  type FileType,
  routes,
} from '@workcell/protocol';
import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import type { Ref } from 'react';

import { routeUrl } from '../../api/api';
import { ApiError } from '../../api/client';
import { ConfirmDialog } from '../../ui/Dialog';
import { Loading } from '../../ui/Loading';
import type { FileTreeHandle } from '../contracts';
import { useFiles, useSession } from '../session/context';
import { ContextMenu, type MenuItem } from './ContextMenu';
import { iconKind, ToolGlyph, TreeIcon } from './icons';
import { isTypeAheadKey, treeKeyAction, typeAheadMatch } from './keyboard';
import { NameInput } from './NameInput';
import { UploadPrompts, type UploadPrompt } from './UploadPrompts';
import {
  baseName,
  buildTree,
  dropFolder,
  joinPath,
  moveRefusal,
  newItemIndex,
  parentOf,
  remapExpanded,
  visibleRows,
  type TreeNode,
} from './tree-model';
import {
  archiveUrl,
  carriesFiles,
  droppedItems,
  uploadFiles,
  type ReplaceChoice,
  type UploadItem,
  type UploadProgress,
  type ZipChoice,
} from './upload';

import './FileTree.css';

export interface FileTreeProps {
  ref: Ref<FileTreeHandle>;
  workspace: string;
  /** The file in the editor's active tab, highlighted in the tree. */
  activePath: string | undefined;
  onOpenFile: (path: string) => void;
}

type Editing = { mode: 'new'; type: FileType; folder: string } | { mode: 'rename'; path: string };

type Prompt = UploadPrompt;

type MenuAction =
  | 'open'
  | 'new-file'
  | 'new-folder'
  | 'upload'
  | 'download'
  | 'download-workspace'
  | 'rename'
  | 'delete';

interface MenuState {
  x: number;
  y: number;
  /** undefined: the menu of the empty area (the workspace root). */
  path: string | undefined;
}

/** The MIME type of a drag of a tree entry (its path), told apart from OS files. */
const DRAG_TYPE = 'application/x-workcell-path';
const TYPE_AHEAD_RESET_MS = 700;
const storageKey = (workspace: string) => `workcell.fileTree.expanded.${workspace}`;

function readExpanded(workspace: string): ReadonlySet<string> {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(storageKey(workspace)) ?? '[]');
    return new Set(Array.isArray(saved) ? saved.filter((p) => typeof p === 'string') : []);
  } catch {
    return new Set();
  }
}

function writeExpanded(workspace: string, expanded: ReadonlySet<string>): void {
  try {
    localStorage.setItem(storageKey(workspace), JSON.stringify([...expanded]));
  } catch {
    // Storage full or disabled: the tree just forgets which folders were open.
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function FileTree({ ref, workspace, activePath, onOpenFile }: FileTreeProps) {
  const session = useSession();
  const load = useFiles();
  const { model } = load;
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => readExpanded(workspace));
  const [selected, setSelected] = useState<string>();
  const [editing, setEditing] = useState<Editing>();
  const [dropTarget, setDropTarget] = useState<string>();
  const [menu, setMenu] = useState<MenuState>();
  const [confirmDelete, setConfirmDelete] = useState<string>();
  const [progress, setProgress] = useState<UploadProgress>();
  const [notices, setNotices] = useState<string[]>([]);
  const [prompt, setPrompt] = useState<Prompt>();
  const [revealed, setRevealed] = useState<string>();

  const treeElement = useRef<HTMLUListElement>(null);
  const rowElements = useRef(new Map<string, HTMLElement>());
  const pendingFocus = useRef<string>(undefined);
  const fileInput = useRef<HTMLInputElement>(null);
  const uploadFolder = useRef('');
  const dragging = useRef<string>(undefined);
  const typeAhead = useRef({ text: '', at: 0 });
  const keyboardMenuAt = useRef(0);

  const roots = useMemo(() => buildTree(model), [model]);
  const rows = useMemo(() => visibleRows(roots, expanded), [roots, expanded]);
  const focusPath = rows.some((row) => row.path === selected) ? selected : rows[0]?.path;

  const notify = useCallback(
    (message: string) => setNotices((current) => [...current.slice(-4), message]),
    [],
  );

  // ---- loading and live updates ----------------------------------------------------

  const reload = useCallback(() => void session.files.reload().catch(() => undefined), [session]);

  useEffect(() => {
    const failed = session.files.onRefreshFailed((message) =>
      notify(`The file list could not be refreshed: ${message}`),
    );
    return () => failed.dispose();
  }, [session, notify]);

  useEffect(() => writeExpanded(workspace, expanded), [workspace, expanded]);

  // ---- selection, focus and the active editor file ---------------------------------

  // The editor's active file is selected and revealed (its folders opened) when it changes.
  if (activePath !== revealed) {
    setRevealed(activePath);
    if (activePath !== undefined) {
      setSelected(activePath);
      const parents = parentPaths(activePath);
      if (parents.some((parent) => !expanded.has(parent)))
        setExpanded(new Set([...expanded, ...parents]));
    }
  }

  useEffect(() => {
    if (activePath === undefined) return;
    rowElements.current.get(activePath)?.scrollIntoView?.({ block: 'nearest' });
  }, [activePath, model]);

  // Focus moves once the row it moves to is rendered (e.g. after its folder opened).
  useEffect(() => {
    const path = pendingFocus.current;
    if (path === undefined) return;
    const element = path === '' ? treeElement.current : rowElements.current.get(path);
    if (element) {
      pendingFocus.current = undefined;
      element.focus();
      element.scrollIntoView?.({ block: 'nearest' });
    }
  });

  const focusRow = useCallback((path: string) => {
    setSelected(path);
    pendingFocus.current = path;
    const element = rowElements.current.get(path);
    if (element) {
      pendingFocus.current = undefined;
      element.focus();
      element.scrollIntoView?.({ block: 'nearest' });
    }
  }, []);

  useImperativeHandle(
    ref,
    () => ({
      focus: () => {
        const element =
          (focusPath !== undefined && rowElements.current.get(focusPath)) || treeElement.current;
        element?.focus();
      },
    }),
    [focusPath],
  );

  const setFolderOpen = (path: string, open: boolean) =>
    setExpanded((current) => {
      if (current.has(path) === open) return current;
      const next = new Set(current);
      if (open) next.add(path);
      else next.delete(path);
      return next;
    });

  const openFolders = (paths: readonly string[]) =>
    setExpanded((current) =>
      paths.every((path) => current.has(path)) ? current : new Set([...current, ...paths]),
    );

  /** The folder new things go in: the selected folder, or the selected file's folder. */
  const currentFolder = () =>
    selected !== undefined && model.has(selected) ? dropFolder(model, selected) : '';

  // ---- creating, renaming, moving, deleting ----------------------------------------

  const startNew = (type: FileType, folder = currentFolder()) => {
    setMenu(undefined);
    if (folder) openFolders([...parentPaths(folder), folder]);
    setEditing({ mode: 'new', type, folder });
  };

  const startRename = (path: string) => {
    setMenu(undefined);
    setSelected(path);
    setEditing({ mode: 'rename', path });
  };

  const stopEditing = (focusOn?: string) => {
    setEditing(undefined);
    const target = focusOn ?? focusPath;
    if (target !== undefined) focusRow(target);
    else pendingFocus.current = '';
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

  const apiMessage = (error: unknown, path: string) => {
    if (error instanceof ApiError) {
      if (error.code === 'ALREADY_EXISTS' || error.code === 'VERSION_CONFLICT')
        return `${baseName(path)} already exists here.`;
      return error.message;
    }
    return messageOf(error);
  };

  const createEntry = async (type: FileType, folder: string, name: string) => {
    const checked = checkName(folder, name);
    if ('error' in checked) return checked.error;
    const path = checked.path;
    try {
      if (type === 'file') await session.files.createFile(path);
      else await session.files.createFolder(path);
    } catch (error) {
      return apiMessage(error, path);
    }
    openFolders(parentPaths(path));
    stopEditing(path);
    if (type === 'file') onOpenFile(path);
    return undefined;
  };

  const move = async (from: string, to: string): Promise<string | undefined> => {
    try {
      await session.files.move(from, to);
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

  const dropMove = async (from: string, folder: string) => {
    const failure = await move(from, joinPath(folder, baseName(from)));
    if (failure) notify(`${baseName(from)} was not moved: ${failure}`);
    else focusRow(joinPath(folder, baseName(from)));
  };

  const deleteEntry = async (path: string) => {
    setConfirmDelete(undefined);
    const index = rows.findIndex((row) => row.path === path);
    const after = rows.slice(index + 1).find((row) => !isWithin(row.path, path));
    const next = after ?? rows.slice(0, Math.max(index, 0)).reverse()[0];
    try {
      await session.files.remove(path);
    } catch (error) {
      notify(`${baseName(path)} was not deleted: ${apiMessage(error, path)}`);
      return;
    }
    setExpanded((current) => new Set([...current].filter((open) => !isWithin(open, path))));
    if (next) focusRow(next.path);
    else pendingFocus.current = '';
  };

  // ---- uploads and downloads -------------------------------------------------------

  const ask = <T,>(make: (resolve: (choice: T) => void) => Prompt) =>
    new Promise<T>((resolve) => setPrompt(make(resolve)));

  const answer = (current: Prompt | undefined, choose: (prompt: Prompt) => void) => {
    if (!current) return;
    setPrompt((open) => (open === current ? undefined : open));
    choose(current);
  };

  const upload = async (folder: string, items: readonly UploadItem[]) => {
    if (items.length === 0) return;
    if (folder) openFolders([...parentPaths(folder), folder]);
    const result = await uploadFiles(workspace, folder, items, {
      knownVersion: (path) => {
        const entry = session.files.snapshot.model.get(path);
        return entry?.type === 'file' && entry.version > 0 ? entry.version : undefined;
      },
      askReplace: (path) => ask<ReplaceChoice>((resolve) => ({ kind: 'replace', path, resolve })),
      askZip: (name) => ask<ZipChoice>((resolve) => ({ kind: 'zip', name, folder, resolve })),
      onProgress: setProgress,
      onWritten: (changes) => session.files.apply(changes),
    });
    setProgress(undefined);
    for (const error of result.errors) notify(`Not uploaded: ${error}`);
  };

  const chooseUpload = (folder: string) => {
    uploadFolder.current = folder;
    fileInput.current?.click();
  };

  // ---- keyboard and mouse ----------------------------------------------------------

  const openMenuAtRow = (path: string | undefined) => {
    const element = path === undefined ? treeElement.current : rowElements.current.get(path);
    const box = (element?.querySelector('.tree-row') ?? element)?.getBoundingClientRect();
    keyboardMenuAt.current = Date.now();
    setMenu({ x: (box?.left ?? 0) + 24, y: box?.bottom ?? 0, path });
  };

  const activate = (path: string) => {
    const entry = model.get(path);
    if (!entry) return;
    if (entry.type === 'folder') setFolderOpen(path, !expanded.has(path));
    else onOpenFile(path);
  };

  const onTreeKeyDown = (event: React.KeyboardEvent) => {
    if (event.target instanceof HTMLInputElement || editing) return;
    if (isTypeAheadKey(event)) {
      const now = Date.now();
      const text =
        now - typeAhead.current.at > TYPE_AHEAD_RESET_MS
          ? event.key
          : typeAhead.current.text + event.key;
      typeAhead.current = { text, at: now };
      const match = typeAheadMatch(rows, focusPath, text);
      if (match !== undefined) focusRow(match);
      event.preventDefault();
      return;
    }
    const action = treeKeyAction(rows, focusPath, event);
    if (!action) return;
    event.preventDefault();
    switch (action.type) {
      case 'focus':
        focusRow(action.path);
        break;
      case 'expand':
        setFolderOpen(action.path, true);
        break;
      case 'collapse':
        setFolderOpen(action.path, false);
        break;
      case 'activate':
        activate(action.path);
        break;
      case 'rename':
        startRename(action.path);
        break;
      case 'delete':
        setConfirmDelete(action.path);
        break;
      case 'menu':
        openMenuAtRow(action.path);
        break;
    }
  };

  const rowPathOf = (target: EventTarget | null): string | undefined => {
    const row = target instanceof Element ? target.closest<HTMLElement>('[data-path]') : null;
    return row?.dataset.path;
  };

  const onContextMenu = (event: React.MouseEvent) => {
    event.preventDefault();
    // The menu key and Shift+F10 also fire contextmenu; the keydown already opened it.
    if (Date.now() - keyboardMenuAt.current < 500) return;
    const path = rowPathOf(event.target);
    if (path !== undefined) setSelected(path);
    setMenu({ x: event.clientX, y: event.clientY, path });
  };

  const dropFolderAt = (target: EventTarget | null): string => {
    const path = rowPathOf(target);
    return path === undefined ? '' : dropFolder(model, path);
  };

  const onDragOver = (event: React.DragEvent) => {
    const from = dragging.current;
    if (from === undefined && !carriesFiles(event.dataTransfer)) return;
    const folder = dropFolderAt(event.target);
    if (from !== undefined && moveRefusal(from, folder)) {
      event.dataTransfer.dropEffect = 'none';
      setDropTarget(undefined);
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = from !== undefined ? 'move' : 'copy';
    setDropTarget(folder);
  };

  const onDragLeave = (event: React.DragEvent) => {
    if (
      !(event.relatedTarget instanceof Node) ||
      !event.currentTarget.contains(event.relatedTarget)
    )
      setDropTarget(undefined);
  };

  const onDrop = (event: React.DragEvent) => {
    event.preventDefault();
    setDropTarget(undefined);
    const folder = dropFolderAt(event.target);
    const from = dragging.current ?? (event.dataTransfer.getData(DRAG_TYPE) || undefined);
    dragging.current = undefined;
    if (from !== undefined) {
      if (!moveRefusal(from, folder)) void dropMove(from, folder);
      return;
    }
    void droppedItems(event.dataTransfer).then(
      (items) => upload(folder, items),
      (error: unknown) => notify(`The dropped files could not be read: ${messageOf(error)}`),
    );
  };

  // ---- rendering -------------------------------------------------------------------

  const menuItems = (path: string | undefined): MenuItem<MenuAction>[] => {
    const entry = path === undefined ? undefined : model.get(path);
    const items: MenuItem<MenuAction>[] = [
      { id: 'new-file', label: 'New File…' },
      { id: 'new-folder', label: 'New Folder…' },
      { id: 'upload', label: 'Upload Files…' },
    ];
    if (!entry) return [...items, { id: 'download-workspace', label: 'Download Workspace as Zip' }];
    if (entry.type === 'file') {
      items.unshift({ id: 'open', label: 'Open', shortcut: 'Enter' });
      items.push({ id: 'download', label: 'Download' });
    }
    items.push(
      { id: 'rename', label: 'Rename…', shortcut: 'F2' },
      { id: 'delete', label: 'Delete…', shortcut: 'Delete', danger: true },
    );
    return items;
  };

  const onMenuAction = (action: MenuAction, path: string | undefined) => {
    setMenu(undefined);
    const folder = path === undefined ? '' : dropFolder(model, path);
    const link = (href: string, name: string) => {
      const anchor = document.createElement('a');
      anchor.href = href;
      anchor.download = name;
      anchor.click();
    };
    switch (action) {
      case 'new-file':
      case 'new-folder':
        startNew(action === 'new-file' ? 'file' : 'folder', folder);
        return;
      case 'upload':
        chooseUpload(folder);
        return;
      case 'download-workspace':
        link(archiveUrl(workspace, ''), '');
        return;
    }
    if (path === undefined) return;
    switch (action) {
      case 'open':
        onOpenFile(path);
        focusRow(path);
        break;
      case 'download':
        link(routeUrl(routes.readRaw, { uuid: workspace, path }), baseName(path));
        focusRow(path);
        break;
      case 'rename':
        startRename(path);
        break;
      case 'delete':
        setConfirmDelete(path);
        break;
    }
  };

  const newItemInput = (folder: string) => {
    if (editing?.mode !== 'new' || editing.folder !== folder) return null;
    const type = editing.type;
    const where = folder ? `in ${folder}` : 'in the workspace';
    return (
      <li role="none" key="\u0000new" className="tree-new">
        <div
          className="tree-row editing"
          style={{ '--level': folder ? folder.split('/').length + 1 : 1 } as React.CSSProperties}
        >
          <span className="tree-chevron" aria-hidden="true" />
          <TreeIcon kind={type === 'folder' ? 'folder' : 'file'} />
          <NameInput
            label={type === 'folder' ? `New folder name ${where}` : `New file name ${where}`}
            initial=""
            validate={(name) => {
              const checked = checkName(folder, name);
              return 'error' in checked ? checked.error : undefined;
            }}
            onSubmit={(name) => createEntry(type, folder, name)}
            onCancel={() => stopEditing()}
          />
        </div>
      </li>
    );
  };

  const renderNodes = (nodes: readonly TreeNode[], level: number, folder: string) => {
    const items = nodes.map((node, index) => renderNode(node, level, index + 1, nodes.length));
    const input = newItemInput(folder);
    if (input)
      items.splice(newItemIndex(nodes, editing?.mode === 'new' ? editing.type : 'file'), 0, input);
    return items;
  };

  const renderNode = (node: TreeNode, level: number, position: number, size: number) => {
    const isFolder = node.type === 'folder';
    const open = isFolder && expanded.has(node.path);
    const renaming = editing?.mode === 'rename' && editing.path === node.path;
    const classes = ['tree-item'];
    if (node.path === activePath) classes.push('active');
    if (dropTarget === node.path) classes.push('drop-target');
    return (
      <li
        key={node.path}
        role="treeitem"
        aria-label={node.name}
        aria-level={level}
        aria-setsize={size}
        aria-posinset={position}
        aria-expanded={isFolder ? open : undefined}
        aria-selected={node.path === selected}
        aria-current={node.path === activePath ? 'true' : undefined}
        tabIndex={node.path === focusPath ? 0 : -1}
        data-path={node.path}
        className={classes.join(' ')}
        ref={(element) => {
          if (!element) return;
          rowElements.current.set(node.path, element);
          return () => {
            if (rowElements.current.get(node.path) === element)
              rowElements.current.delete(node.path);
          };
        }}
        onFocus={(event) => {
          if (event.target === event.currentTarget) setSelected(node.path);
        }}
      >
        <div
          className={node.path === selected ? 'tree-row selected' : 'tree-row'}
          style={{ '--level': level } as React.CSSProperties}
          draggable={!renaming}
          onDragStart={(event) => {
            event.stopPropagation();
            dragging.current = node.path;
            event.dataTransfer.setData(DRAG_TYPE, node.path);
            event.dataTransfer.effectAllowed = 'move';
          }}
          onDragEnd={() => {
            dragging.current = undefined;
            setDropTarget(undefined);
          }}
          onClick={() => {
            focusRow(node.path);
            activate(node.path);
          }}
        >
          <span className="tree-chevron" aria-hidden="true">
            {isFolder && <ToolGlyph icon="chevron" />}
          </span>
          <TreeIcon kind={iconKind(node.name, node.type, open)} />
          {renaming ? (
            <NameInput
              label={`Rename ${node.name}`}
              initial={node.name}
              validate={(name) => {
                const checked = checkName(parentOf(node.path), name, node.path);
                return 'error' in checked ? checked.error : undefined;
              }}
              onSubmit={(name) => rename(node.path, name)}
              onCancel={() => stopEditing(node.path)}
            />
          ) : (
            <span className="tree-name" title={node.name}>
              {node.name}
            </span>
          )}
        </div>
        {open && <ul role="group">{renderNodes(node.children, level + 1, node.path)}</ul>}
      </li>
    );
  };

  const deleting = confirmDelete === undefined ? undefined : model.get(confirmDelete);
  const empty = load.status === 'ready' && model.size === 0 && editing === undefined;

  return (
    <div className="file-tree">
      <div className="file-tree-toolbar" role="toolbar" aria-label="File actions">
        <span className="file-tree-title" aria-hidden="true">
          Files
        </span>
        <button
          type="button"
          className="tree-tool"
          aria-label="New File"
          title="New File"
          onClick={() => startNew('file')}
        >
          <ToolGlyph icon="new-file" />
        </button>
        <button
          type="button"
          className="tree-tool"
          aria-label="New Folder"
          title="New Folder"
          onClick={() => startNew('folder')}
        >
          <ToolGlyph icon="new-folder" />
        </button>
        <button
          type="button"
          className="tree-tool"
          aria-label="Upload Files"
          title="Upload Files (or drop them on the tree)"
          onClick={() => chooseUpload(currentFolder())}
        >
          <ToolGlyph icon="upload" />
        </button>
        <a
          className="tree-tool"
          href={archiveUrl(workspace, '')}
          download
          aria-label="Download Workspace as Zip"
          title="Download Workspace as Zip"
        >
          <ToolGlyph icon="download" />
        </a>
        <button
          type="button"
          className="tree-tool"
          aria-label="Refresh Files"
          title="Refresh Files"
          onClick={reload}
        >
          <ToolGlyph icon="refresh" />
        </button>
        <button
          type="button"
          className="tree-tool"
          aria-label="Collapse Folders"
          title="Collapse Folders"
          onClick={() => setExpanded(new Set())}
        >
          <ToolGlyph icon="collapse" />
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          aria-label="Files to upload"
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            event.target.value = '';
            void upload(
              uploadFolder.current,
              files.map((file) => ({ file, path: file.name })),
            );
          }}
        />
      </div>

      {progress && progress.total > 0 && (
        <div className="file-tree-progress" role="status">
          <span className="file-tree-progress-text">
            Uploading {Math.min(progress.done + 1, progress.total)} of {progress.total}
            {progress.current && `: ${progress.current}`}
          </span>
          <progress value={progress.done} max={progress.total} aria-label="Upload progress" />
        </div>
      )}

      {notices.length > 0 && (
        <ul className="file-tree-notices" role="alert">
          {notices.map((notice, index) => (
            <li key={index}>
              <span>{notice}</span>
              <button
                type="button"
                className="tree-tool"
                aria-label="Dismiss"
                title="Dismiss"
                onClick={() => setNotices((current) => current.filter((_, i) => i !== index))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}

      {load.status === 'loading' && model.size === 0 ? (
        <Loading label="Loading files…" />
      ) : load.status === 'error' ? (
        <div className="file-tree-message" role="alert">
          <p>The files could not be loaded: {load.message}</p>
          <button
            type="button"
            className="button"
            onClick={() => {
              reload();
            }}
          >
            Retry
          </button>
        </div>
      ) : (
        <div
          className={dropTarget === '' ? 'file-tree-body drop-target' : 'file-tree-body'}
          onDragOver={onDragOver}
          onDragLeave={onDragLeave}
          onDrop={onDrop}
          onContextMenu={onContextMenu}
        >
          {empty ? (
            <div className="file-tree-message">
              <p>No files yet</p>
              <button type="button" className="button primary" onClick={() => startNew('file')}>
                New File
              </button>
              <p className="file-tree-hint">or drop files here to upload them</p>
            </div>
          ) : (
            <ul
              ref={treeElement}
              role="tree"
              aria-label="Files"
              className="tree"
              tabIndex={rows.length === 0 ? 0 : -1}
              onKeyDown={onTreeKeyDown}
            >
              {renderNodes(roots, 1, '')}
            </ul>
          )}
        </div>
      )}

      {menu && (
        <ContextMenu
          label={
            menu.path === undefined ? 'Workspace actions' : `Actions for ${baseName(menu.path)}`
          }
          x={menu.x}
          y={menu.y}
          items={menuItems(menu.path)}
          onSelect={(action) => onMenuAction(action, menu.path)}
          onClose={() => {
            const path = menu.path;
            setMenu(undefined);
            if (path !== undefined) focusRow(path);
          }}
        />
      )}

      <ConfirmDialog
        open={deleting !== undefined}
        title={deleting?.type === 'folder' ? 'Delete folder?' : 'Delete file?'}
        message={
          deleting === undefined ? null : deleting.type === 'folder' ? (
            <p>
              Delete the folder <strong>{deleting.path}</strong> and everything in it?
            </p>
          ) : (
            <p>
              Delete <strong>{deleting.path}</strong>? You can restore it later from its history.
            </p>
          )
        }
        confirmLabel="Delete"
        danger
        onConfirm={() => {
          if (deleting) void deleteEntry(deleting.path);
        }}
        onCancel={() => {
          const path = confirmDelete;
          setConfirmDelete(undefined);
          if (path !== undefined && model.has(path)) pendingFocus.current = path;
        }}
      />

      <UploadPrompts prompt={prompt} onAnswer={(choose) => answer(prompt, choose)} />
    </div>
  );
}
