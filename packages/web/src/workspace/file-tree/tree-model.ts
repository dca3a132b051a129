/**
 * The file tree as data: a flat map of entries kept in step with the server (built from
 * the `files` listing, then updated by `file.changed` events without refetching), and the
 * nested, sorted view of it the panel renders. Every function returns a new model and
 * never mutates its input, so React sees each change.
 */
import { isWithin, parentPaths, type FileEntry, type FileType } from '@workcell/protocol';

export interface TreeEntry {
  path: string;
  type: FileType;
  version: number;
  size?: number;
}

export type TreeModel = ReadonlyMap<string, TreeEntry>;

/** What the model needs of a `file.changed` message. */
export interface FileChange {
  path: string;
  kind: FileType;
  version: number;
  deleted?: boolean;
  movedFrom?: string;
}

export interface TreeNode {
  name: string;
  path: string;
  type: FileType;
  /** Sorted; empty for files. */
  children: TreeNode[];
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `folder` is '' for the workspace root. */
export function joinPath(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name;
}

/** Folders a listing or event implies but does not name (`a/b/c.py` implies `a`, `a/b`). */
function addParents(map: Map<string, TreeEntry>, path: string): void {
  for (const parent of parentPaths(path)) {
    const existing = map.get(parent);
    if (existing?.type !== 'folder') map.set(parent, { path: parent, type: 'folder', version: 0 });
  }
}

function removeSubtree(map: Map<string, TreeEntry>, path: string): void {
  for (const key of [...map.keys()]) if (isWithin(key, path)) map.delete(key);
}

export function modelFromList(list: readonly FileEntry[]): TreeModel {
  const map = new Map<string, TreeEntry>();
  for (const entry of list)
    map.set(entry.path, {
      path: entry.path,
      type: entry.type,
      version: entry.version,
      size: entry.size,
    });
  for (const entry of list) addParents(map, entry.path);
  return map;
}

function moveInto(map: Map<string, TreeEntry>, from: string, to: string): void {
  const moving = [...map.values()].filter((entry) => isWithin(entry.path, from));
  for (const entry of moving) map.delete(entry.path);
  for (const entry of moving) {
    const path = to + entry.path.slice(from.length);
    map.set(path, { ...entry, path });
  }
  addParents(map, to);
}

/**
 * Applies change events in order. Each is idempotent, so an event the panel already
 * applied itself (after its own request) or one replayed over a fresh listing is harmless,
 * whatever order the server sends a folder move's per-entry events in.
 */
export function applyChanges(model: TreeModel, changes: readonly FileChange[]): TreeModel {
  if (changes.length === 0) return model;
  const map = new Map(model);
  for (const change of changes) {
    if (change.deleted) {
      removeSubtree(map, change.path);
      continue;
    }
    if (
      change.movedFrom !== undefined &&
      change.movedFrom !== change.path &&
      map.has(change.movedFrom) &&
      !map.has(change.path) &&
      !isWithin(change.path, change.movedFrom)
    )
      moveInto(map, change.movedFrom, change.path);
    const existing = map.get(change.path);
    if (existing?.type === 'folder' && change.kind === 'file') removeSubtree(map, change.path);
    map.set(change.path, {
      path: change.path,
      type: change.kind,
      version: change.version,
      // A new version has a size the event does not carry.
      size: existing?.version === change.version ? existing.size : undefined,
    });
    addParents(map, change.path);
  }
  return map;
}

/** The model after a successful move of `from` (and everything in it) to `to`. */
export function moveEntry(model: TreeModel, from: string, to: string): TreeModel {
  if (!model.has(from) || from === to || isWithin(to, from)) return model;
  const map = new Map(model);
  removeSubtree(map, to);
  moveInto(map, from, to);
  return map;
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** Folders first, then files; each alphabetical ignoring case (`file2` before `file10`). */
export function compareNodes(
  a: { name: string; type: FileType },
  b: { name: string; type: FileType },
): number {
  if (a.type !== b.type) return a.type === 'folder' ? -1 : 1;
  return collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The nested, sorted tree; returns the root's children. */
export function buildTree(model: TreeModel): TreeNode[] {
  const root: TreeNode[] = [];
  const folders = new Map<string, TreeNode>();
  const paths = [...model.keys()].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const path of paths) {
    const entry = model.get(path)!;
    const node: TreeNode = { name: baseName(path), path, type: entry.type, children: [] };
    if (entry.type === 'folder') folders.set(path, node);
    const parent = parentOf(path);
    const siblings = parent === '' ? root : folders.get(parent)?.children;
    siblings?.push(node);
  }
  const sort = (nodes: TreeNode[]) => {
    nodes.sort(compareNodes);
    for (const node of nodes) sort(node.children);
  };
  sort(root);
  return root;
}

/** One line of the tree as shown: what keyboard navigation moves through. */
export interface VisibleRow {
  path: string;
  name: string;
  type: FileType;
  /** 1 for the root's children (aria-level). */
  level: number;
  parent: string;
  expanded: boolean;
}

export function visibleRows(roots: readonly TreeNode[], expanded: ReadonlySet<string>) {
  const rows: VisibleRow[] = [];
  const walk = (nodes: readonly TreeNode[], level: number, parent: string) => {
    for (const node of nodes) {
      const open = node.type === 'folder' && expanded.has(node.path);
      rows.push({
        path: node.path,
        name: node.name,
        type: node.type,
        level,
        parent,
        expanded: open,
      });
      if (open) walk(node.children, level + 1, node.path);
    }
  };
  walk(roots, 1, '');
  return rows;
}

/** Expanded folders after `from` moved to `to` (a renamed folder stays open). */
export function remapExpanded(expanded: ReadonlySet<string>, from: string, to: string) {
  const next = new Set<string>();
  for (const path of expanded) next.add(isWithin(path, from) ? to + path.slice(from.length) : path);
  return next;
}

/** Where a new file or folder being named goes among a folder's children: files after subfolders. */
export function newItemIndex(children: readonly TreeNode[], type: FileType): number {
  if (type === 'folder') return 0;
  const firstFile = children.findIndex((child) => child.type === 'file');
  return firstFile < 0 ? children.length : firstFile;
}

/** The folder a drop on `path` lands in: the folder itself, or a file's folder. */
export function dropFolder(model: TreeModel, path: string): string {
  return model.get(path)?.type === 'folder' ? path : parentOf(path);
}

/** Why `from` cannot be moved into `folder`, or undefined when it can. */
export function moveRefusal(from: string, folder: string): string | undefined {
  if (isWithin(folder, from)) return 'A folder cannot be moved into itself.';
  if (parentOf(from) === folder) return 'It is already there.';
  return undefined;
}
