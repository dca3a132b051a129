/**
 * The tree's keys (see keyboard.ts for the rules) and how its context menu opens: by a
 * right-click, Shift+F10 or the Menu key, at the row it is for.
 */
import { useCallback, useRef, useState } from 'react';
import type { RefObject } from 'react';

import { isTypeAheadKey, treeKeyAction, typeAheadMatch } from './keyboard';
import { selectRange, type Selection } from './selection';
import type { VisibleRow } from './tree-model';

const TYPE_AHEAD_RESET_MS = 700;

export interface MenuState {
  x: number;
  y: number;
  /** undefined: the menu of the empty area (the workspace root). */
  path: string | undefined;
}

export interface TreeKeyboardDeps {
  rows: readonly VisibleRow[];
  focusPath: string | undefined;
  /** A name is being typed: keys belong to its input. */
  editing: boolean;
  treeElement: RefObject<HTMLElement | null>;
  rowElements: RefObject<Map<string, HTMLElement>>;
  focusRow: (path: string, select?: (selection: Selection) => Selection) => void;
  activate: (path: string) => void;
  setFolderOpen: (path: string, open: boolean) => void;
  startRename: (path: string) => void;
  deleteEntries: (path: string) => void;
  /** A right-click on a row outside the selection selects that row alone. */
  selectPath: (path: string) => void;
  rowPathOf: (target: EventTarget | null) => string | undefined;
}

export function useTreeKeyboard(deps: TreeKeyboardDeps) {
  const [menu, setMenu] = useState<MenuState>();
  const typeAhead = useRef({ text: '', at: 0 });
  const keyboardMenuAt = useRef(0);
  const { rows, focusPath, focusRow } = deps;

  const openMenuAtRow = (path: string) => {
    const element = deps.rowElements.current.get(path) ?? deps.treeElement.current;
    const box = (element?.querySelector('.tree-row') ?? element)?.getBoundingClientRect();
    keyboardMenuAt.current = Date.now();
    setMenu({ x: (box?.left ?? 0) + 24, y: box?.bottom ?? 0, path });
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.target instanceof HTMLInputElement || deps.editing) return;
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
      case 'extend':
        focusRow(action.path, (current) =>
          selectRange(
            current.anchor === undefined && focusPath !== undefined
              ? { ...current, anchor: focusPath }
              : current,
            rows,
            action.path,
          ),
        );
        break;
      case 'expand':
        deps.setFolderOpen(action.path, true);
        break;
      case 'collapse':
        deps.setFolderOpen(action.path, false);
        break;
      case 'activate':
        deps.activate(action.path);
        break;
      case 'rename':
        deps.startRename(action.path);
        break;
      case 'delete':
        deps.deleteEntries(action.path);
        break;
      case 'menu':
        openMenuAtRow(action.path);
        break;
    }
  };

  const onContextMenu = (event: React.MouseEvent) => {
    event.preventDefault();
    // The menu key and Shift+F10 also fire contextmenu; the keydown already opened it.
    if (Date.now() - keyboardMenuAt.current < 500) return;
    const path = deps.rowPathOf(event.target);
    if (path !== undefined) deps.selectPath(path);
    setMenu({ x: event.clientX, y: event.clientY, path });
  };

  const closeMenu = useCallback(() => setMenu(undefined), []);

  return { menu, onKeyDown, onContextMenu, closeMenu };
}
