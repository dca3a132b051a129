/**
 * What the tree's context menu offers: for the empty area (the workspace root), for one
 * row, or for a multi-selection (the actions that make sense on several entries).
 */
import type { FileType } from '@workcell/protocol';

import type { MenuItem } from './ContextMenu';

export type MenuAction =
  | 'open'
  | 'new-file'
  | 'new-folder'
  | 'upload'
  | 'download'
  | 'download-workspace'
  | 'rename'
  | 'duplicate'
  | 'delete'
  | 'copy-path'
  | 'copy-absolute-path'
  | 'reveal-in-terminal';

/** Where the workspace is in the cell, for Copy Absolute Path. */
export const CELL_ROOT = '/app';

const copyItems: MenuItem<MenuAction>[] = [
  { id: 'copy-path', label: 'Copy Path' },
  { id: 'copy-absolute-path', label: 'Copy Absolute Path' },
];

/**
 * `targets` are the entries the menu acts on (their types): none for the empty area, one
 * for a row, several for a multi-selection.
 */
export function menuItems(targets: readonly FileType[]): MenuItem<MenuAction>[] {
  const create: MenuItem<MenuAction>[] = [
    { id: 'new-file', label: 'New File…' },
    { id: 'new-folder', label: 'New Folder…' },
    { id: 'upload', label: 'Upload Files…' },
  ];
  const reveal: MenuItem<MenuAction> = { id: 'reveal-in-terminal', label: 'Reveal in Terminal' };
  const remove = (count: number): MenuItem<MenuAction> => ({
    id: 'delete',
    label: count > 1 ? `Delete ${count} Items` : 'Delete',
    shortcut: 'Delete',
    danger: true,
  });
  if (targets.length === 0)
    return [...create, { id: 'download-workspace', label: 'Download Workspace as Zip' }, reveal];
  if (targets.length > 1) {
    const download: MenuItem<MenuAction>[] = targets.every((type) => type === 'file')
      ? [{ id: 'download', label: `Download ${targets.length} Files` }]
      : [];
    return [...download, ...copyItems, remove(targets.length)];
  }
  const isFile = targets[0] === 'file';
  return [
    ...(isFile ? [{ id: 'open', label: 'Open', shortcut: 'Enter' } as const] : []),
    ...create,
    ...(isFile ? [{ id: 'download', label: 'Download' } as const] : []),
    ...copyItems,
    reveal,
    { id: 'rename', label: 'Rename…', shortcut: 'F2' },
    { id: 'duplicate', label: 'Duplicate' },
    remove(1),
  ];
}
