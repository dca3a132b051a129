/** The tree's context menu: the items for what it was opened on, and what each one does. */
import type { FileType } from '@workcell/protocol';

import { archiveDownloadUrl } from './fileOperations';
import { ContextMenu } from './ContextMenu';
import { baseName, dropFolder, type TreeModel } from './tree-model';
import { COMPARE_ACTIONS, menuItems, type MenuAction } from './treeMenu';
import type { useTreeActions } from './useTreeActions';
import type { MenuState } from './useTreeKeyboard';
import type { Selection } from './selection';

const keepSelection = (selection: Selection) => selection;

export interface TreeMenuActionsProps {
  menu: MenuState;
  /** The entries the menu acts on: the selection when opened on a selected row. */
  targets: readonly string[];
  model: TreeModel;
  workspace: string;
  onClose: () => void;
  focusRow: (path: string, select?: (selection: Selection) => Selection) => void;
  onOpenFile: (path: string) => void;
  startNew: (type: FileType, folder: string) => void;
  startRename: (path: string) => void;
  chooseUpload: (folder: string) => void;
  actions: ReturnType<typeof useTreeActions>;
  onRevealInTerminal: ((folder: string) => void) | undefined;
  /** The file chosen with Select for Compare, if it is still there. */
  compareBase: string | undefined;
  onSelectForCompare: (path: string) => void;
  /** Shows `left` and `right` side by side; without it the menu offers no comparing. */
  onCompare: ((left: string, right: string) => void) | undefined;
}

export function TreeMenuActions(props: TreeMenuActionsProps) {
  const { menu, targets, model, actions } = props;
  const path = menu.path;
  const types = targets.flatMap((target) => model.get(target)?.type ?? []);
  const { compareBase, onCompare } = props;
  const items = menuItems(types, compareBase !== undefined && compareBase !== path).filter(
    (item) =>
      (item.id !== 'reveal-in-terminal' || props.onRevealInTerminal) &&
      (!COMPARE_ACTIONS.has(item.id) || onCompare),
  );

  const run = (action: MenuAction) => {
    props.onClose();
    const folder = path === undefined ? '' : dropFolder(model, path);
    switch (action) {
      case 'new-file':
      case 'new-folder':
        return props.startNew(action === 'new-file' ? 'file' : 'folder', folder);
      case 'upload':
        return props.chooseUpload(folder);
      case 'download-workspace': {
        const anchor = document.createElement('a');
        anchor.href = archiveDownloadUrl(props.workspace);
        anchor.download = '';
        anchor.click();
        return;
      }
      case 'reveal-in-terminal':
        return props.onRevealInTerminal?.(folder);
      case 'download':
        return actions.download(targets);
      case 'copy-path':
      case 'copy-absolute-path':
        void actions.copyPaths(targets, action === 'copy-absolute-path');
        if (path !== undefined) props.focusRow(path, keepSelection);
        return;
      case 'delete':
        return void actions.deleteEntries(targets);
      case 'compare-selected': {
        const [left, right] = targets;
        if (left !== undefined && right !== undefined) onCompare?.(left, right);
        return;
      }
    }
    if (path === undefined) return;
    switch (action) {
      case 'open':
        props.onOpenFile(path);
        return props.focusRow(path);
      case 'rename':
        return props.startRename(path);
      case 'duplicate':
        return void actions.duplicateEntry(path);
      case 'select-for-compare':
        props.onSelectForCompare(path);
        return props.focusRow(path, keepSelection);
      case 'compare-with-selected':
        if (compareBase !== undefined) onCompare?.(compareBase, path);
        return;
    }
  };

  return (
    <ContextMenu
      label={
        path === undefined
          ? 'Workspace actions'
          : targets.length > 1
            ? `Actions for ${targets.length} items`
            : `Actions for ${baseName(path)}`
      }
      x={menu.x}
      y={menu.y}
      items={items}
      onSelect={run}
      onClose={() => {
        props.onClose();
        if (path !== undefined) props.focusRow(path, keepSelection);
      }}
    />
  );
}
