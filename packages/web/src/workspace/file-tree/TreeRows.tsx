/**
 * The rows of the tree (WAI-ARIA treeitems), nested in groups, with the inline name inputs
 * for a new entry and for a rename.
 */
import type { FileType } from '@workcell/protocol';
import type { CSSProperties, MouseEvent } from 'react';

import { iconKind, ToolGlyph, TreeIcon } from './icons';
import { NameInput } from './NameInput';
import { newItemIndex, parentOf, type TreeNode } from './tree-model';

export type Editing =
  { mode: 'new'; type: FileType; folder: string } | { mode: 'rename'; path: string };

/** What every row needs of the panel. */
export interface TreeRowsView {
  expanded: ReadonlySet<string>;
  selected: ReadonlySet<string>;
  /** The row in the tab order (the focused one). */
  focusPath: string | undefined;
  activePath: string | undefined;
  dropTarget: string | undefined;
  editing: Editing | undefined;
  /** Why `name` cannot be used in `folder` (`except`: the entry being renamed). */
  nameError: (folder: string, name: string, except?: string) => string | undefined;
  onCreate: (type: FileType, folder: string, name: string) => Promise<string | undefined>;
  onRename: (path: string, name: string) => Promise<string | undefined>;
  onCancelEdit: (focusOn?: string) => void;
  onRowClick: (path: string, event: MouseEvent) => void;
  onRowFocus: (path: string) => void;
  onDragStart: (path: string, event: React.DragEvent) => void;
  onDragEnd: () => void;
  registerRow: (path: string, element: HTMLElement) => () => void;
}

const levelStyle = (level: number) => ({ '--level': level }) as CSSProperties;

function NewItemRow({ view, folder }: { view: TreeRowsView; folder: string }) {
  if (view.editing?.mode !== 'new') return null;
  const type = view.editing.type;
  const where = folder ? `in ${folder}` : 'in the workspace';
  return (
    <li role="none" className="tree-new">
      <div
        className="tree-row editing"
        style={levelStyle(folder ? folder.split('/').length + 1 : 1)}
      >
        <span className="tree-chevron" aria-hidden="true" />
        <TreeIcon kind={type === 'folder' ? 'folder' : 'file'} />
        <NameInput
          label={type === 'folder' ? `New folder name ${where}` : `New file name ${where}`}
          initial=""
          validate={(name) => view.nameError(folder, name)}
          onSubmit={(name) => view.onCreate(type, folder, name)}
          onCancel={() => view.onCancelEdit()}
        />
      </div>
    </li>
  );
}

export function TreeRows({
  view,
  nodes,
  level,
  folder,
}: {
  view: TreeRowsView;
  nodes: readonly TreeNode[];
  level: number;
  folder: string;
}) {
  const items = nodes.map((node, index) => (
    <TreeRow
      key={node.path}
      view={view}
      node={node}
      level={level}
      position={index + 1}
      size={nodes.length}
    />
  ));
  const editing = view.editing;
  if (editing?.mode === 'new' && editing.folder === folder)
    items.splice(
      newItemIndex(nodes, editing.type),
      0,
      <NewItemRow key={'\u0000new'} view={view} folder={folder} />,
    );
  return items;
}

function TreeRow({
  view,
  node,
  level,
  position,
  size,
}: {
  view: TreeRowsView;
  node: TreeNode;
  level: number;
  position: number;
  size: number;
}) {
  const isFolder = node.type === 'folder';
  const open = isFolder && view.expanded.has(node.path);
  const renaming = view.editing?.mode === 'rename' && view.editing.path === node.path;
  const selected = view.selected.has(node.path);
  const classes = ['tree-item'];
  if (node.path === view.activePath) classes.push('active');
  if (view.dropTarget === node.path) classes.push('drop-target');
  return (
    <li
      role="treeitem"
      aria-label={node.name}
      aria-level={level}
      aria-setsize={size}
      aria-posinset={position}
      aria-expanded={isFolder ? open : undefined}
      aria-selected={selected}
      aria-current={node.path === view.activePath ? 'true' : undefined}
      tabIndex={node.path === view.focusPath ? 0 : -1}
      data-path={node.path}
      className={classes.join(' ')}
      ref={(element) => (element ? view.registerRow(node.path, element) : undefined)}
      onFocus={(event) => {
        if (event.target === event.currentTarget) view.onRowFocus(node.path);
      }}
    >
      <div
        className={selected ? 'tree-row selected' : 'tree-row'}
        style={levelStyle(level)}
        draggable={!renaming}
        onDragStart={(event) => view.onDragStart(node.path, event)}
        onDragEnd={view.onDragEnd}
        onClick={(event) => view.onRowClick(node.path, event)}
      >
        <span className="tree-chevron" aria-hidden="true">
          {isFolder && <ToolGlyph icon="chevron" />}
        </span>
        <TreeIcon kind={iconKind(node.name, node.type, open)} />
        {renaming ? (
          <NameInput
            label={`Rename ${node.name}`}
            initial={node.name}
            validate={(name) => view.nameError(parentOf(node.path), name, node.path)}
            onSubmit={(name) => view.onRename(node.path, name)}
            onCancel={() => view.onCancelEdit(node.path)}
          />
        ) : (
          <span className="tree-name" title={node.name}>
            {node.name}
          </span>
        )}
      </div>
      {open && (
        <ul role="group">
          <TreeRows view={view} nodes={node.children} level={level + 1} folder={node.path} />
        </ul>
      )}
    </li>
  );
}
