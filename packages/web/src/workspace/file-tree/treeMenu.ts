/**
 * What the tree's context menu offers: for the empty area (the workspace root), for one
 * row, or for a multi-selection (the actions that make sense on several entries). Comparing
 * is VS Code's: Select for Compare on one file, Compare with Selected on another, or Compare
 * Selected on two selected files.
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
  | 'select-for-compare'
  | 'compare-with-selected'
  | 'compare-selected'
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

/** The compare actions, for the menu's owner to leave out where comparing is not offered. */
export const COMPARE_ACTIONS: ReadonlySet<MenuAction> = new Set<MenuAction>([
  'select-for-compare',
  'compare-with-selected',
  'compare-selected',
]);

/**
 * `targets` are the entries the menu acts on (their types): none for the empty area, one
 * for a row, several for a multi-selection. `comparable`: another file was selected for
 * compare, so a file's menu offers to compare with it.
 */
export function menuItems(
  targets: readonly FileType[],
  comparable = false,
): MenuItem<MenuAction>[] {
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
    const allFiles = targets.every((type) => type === 'file');
    const download: MenuItem<MenuAction> = {
      id: 'download',
      label: `Download ${targets.length} ${allFiles ? 'Files' : 'Items'}`,
    };
    const compare: MenuItem<MenuAction>[] =
      allFiles && targets.length === 2
        ? [{ id: 'compare-selected', label: 'Compare Selected' }]
        : [];
    return [download, ...compare, ...copyItems, remove(targets.length)];
  }
  const isFile = targets[0] === 'file';
  return [
    ...(isFile ? [{ id: 'open', label: 'Open', shortcut: 'Enter' } as const] : []),
    ...create,
    { id: 'download', label: isFile ? 'Download' : 'Download as Zip' },
    ...(isFile ? [{ id: 'select-for-compare', label: 'Select for Compare' } as const] : []),
    ...(isFile && comparable
      ? [{ id: 'compare-with-selected', label: 'Compare with Selected' } as const]
      : []),
    ...copyItems,
    reveal,
    { id: 'rename', label: 'Rename…', shortcut: 'F2' },
    { id: 'duplicate', label: 'Duplicate' },
    remove(1),
  ];
}
