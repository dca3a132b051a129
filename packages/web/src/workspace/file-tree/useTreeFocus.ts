/**
 * Where the tree's focus and selection are: the focused row (the cursor), the selected
 * rows, and the row elements focus moves to — once they are rendered, since a row may
 * appear only after its folder opened. The editor's active file is selected and revealed.
 */
import { parentPaths } from '@workcell/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';

import { emptySelection, selectOnly, type Selection } from './selection';

export function useTreeFocus(
  activePath: string | undefined,
  openFolders: (paths: readonly string[]) => void,
  /** Changes whenever rows may have moved (the model): the active row is scrolled to. */
  layout: unknown,
) {
  const [cursor, setCursor] = useState<string>();
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [revealed, setRevealed] = useState<string>();
  const treeElement = useRef<HTMLUListElement>(null);
  const rowElements = useRef(new Map<string, HTMLElement>());
  /** The row to focus once rendered; '' for the tree itself. */
  const pendingFocus = useRef<string>(undefined);

  if (activePath !== revealed) {
    setRevealed(activePath);
    if (activePath !== undefined) {
      setCursor(activePath);
      // A file opened from a multi-selection keeps it.
      setSelection((current) => (current.paths.has(activePath) ? current : selectOnly(activePath)));
      openFolders(parentPaths(activePath));
    }
  }

  useEffect(() => {
    if (activePath === undefined) return;
    rowElements.current.get(activePath)?.scrollIntoView?.({ block: 'nearest' });
  }, [activePath, layout]);

  const focusPending = useCallback(() => {
    const path = pendingFocus.current;
    if (path === undefined) return;
    const element = path === '' ? treeElement.current : rowElements.current.get(path);
    if (element) {
      pendingFocus.current = undefined;
      element.focus();
      element.scrollIntoView?.({ block: 'nearest' });
    }
  }, []);
  useEffect(focusPending);

  /** Focuses the row; `select` says what becomes of the selection (the row alone, by default). */
  const focusRow = useCallback(
    (path: string, select: (current: Selection) => Selection = () => selectOnly(path)) => {
      setCursor(path);
      setSelection(select);
      pendingFocus.current = path;
      focusPending();
    },
    [focusPending],
  );

  const focusTree = useCallback(() => {
    pendingFocus.current = '';
  }, []);

  const registerRow = useCallback((path: string, element: HTMLElement) => {
    rowElements.current.set(path, element);
    return () => {
      if (rowElements.current.get(path) === element) rowElements.current.delete(path);
    };
  }, []);

  return {
    cursor,
    setCursor,
    selection,
    setSelection,
    treeElement,
    rowElements,
    focusRow,
    focusTree,
    registerRow,
  };
}
