/**
 * Drag and drop on the tree: entries dragged onto a folder move there (a whole selection
 * when the dragged row is selected), files dropped from the OS upload there.
 */
import { useRef, useState } from 'react';

import { messageOf } from '../editor/paths';
import { carriesFiles, droppedItems, type UploadItem } from './upload';
import { baseName, dropFolder, joinPath, moveRefusal, type TreeModel } from './tree-model';

/** The MIME type of a drag of tree entries (their paths, one a line), told apart from OS files. */
const DRAG_TYPE = 'application/x-workcell-path';

export interface TreeDragDeps {
  model: TreeModel;
  /** What a drag starting on `path` carries. */
  dragTargets: (path: string) => string[];
  move: (from: string, to: string) => Promise<string | undefined>;
  upload: (folder: string, items: readonly UploadItem[]) => Promise<void>;
  notify: (message: string) => void;
  focusRow: (path: string) => void;
}

const rowPathOf = (target: EventTarget | null): string | undefined => {
  const row = target instanceof Element ? target.closest<HTMLElement>('[data-path]') : null;
  return row?.dataset.path;
};

export function useTreeDrag(deps: TreeDragDeps) {
  const [dropTarget, setDropTarget] = useState<string>();
  const dragging = useRef<string[]>(undefined);

  const dropFolderAt = (target: EventTarget | null): string => {
    const path = rowPathOf(target);
    return path === undefined ? '' : dropFolder(deps.model, path);
  };

  /** A drop is refused when none of the dragged entries can go there. */
  const refused = (paths: readonly string[], folder: string) =>
    paths.every((from) => moveRefusal(from, folder) !== undefined);

  const moveAll = async (paths: readonly string[], folder: string) => {
    let last: string | undefined;
    for (const from of paths.filter((path) => moveRefusal(path, folder) === undefined)) {
      const to = joinPath(folder, baseName(from));
      const failure = await deps.move(from, to);
      if (failure) deps.notify(`${baseName(from)} was not moved: ${failure}`);
      else last = to;
    }
    if (last !== undefined) deps.focusRow(last);
  };

  const onDragStart = (path: string, event: React.DragEvent) => {
    event.stopPropagation();
    const paths = deps.dragTargets(path);
    dragging.current = paths;
    event.dataTransfer.setData(DRAG_TYPE, paths.join('\n'));
    event.dataTransfer.effectAllowed = 'move';
  };

  const onDragEnd = () => {
    dragging.current = undefined;
    setDropTarget(undefined);
  };

  const onDragOver = (event: React.DragEvent) => {
    const from = dragging.current;
    if (from === undefined && !carriesFiles(event.dataTransfer)) return;
    const folder = dropFolderAt(event.target);
    if (from !== undefined && refused(from, folder)) {
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
    const carried = event.dataTransfer.getData(DRAG_TYPE);
    const from = dragging.current ?? (carried ? carried.split('\n') : undefined);
    dragging.current = undefined;
    if (from !== undefined) {
      if (!refused(from, folder)) void moveAll(from, folder);
      return;
    }
    void droppedItems(event.dataTransfer).then(
      (items) => deps.upload(folder, items),
      (error: unknown) => deps.notify(`The dropped files could not be read: ${messageOf(error)}`),
    );
  };

  return { dropTarget, onDragStart, onDragEnd, onDragOver, onDragLeave, onDrop, rowPathOf };
}
