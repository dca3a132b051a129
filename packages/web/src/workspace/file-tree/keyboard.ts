/**
 * Keyboard navigation of the tree (the WAI-ARIA tree view pattern), as a pure function
 * of the visible rows and the focused one, so the rules are testable without a DOM.
 */
import type { VisibleRow } from './tree-model';

export type TreeAction =
  | { type: 'focus'; path: string }
  /** Shift+Arrow: focus moves and the selection grows (or shrinks) to it from the anchor. */
  | { type: 'extend'; path: string }
  | { type: 'expand'; path: string }
  | { type: 'collapse'; path: string }
  /** Enter: a file opens, a folder toggles. */
  | { type: 'activate'; path: string }
  | { type: 'rename'; path: string }
  | { type: 'delete'; path: string }
  | { type: 'menu'; path: string };

export interface KeyInput {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
}

export function treeKeyAction(
  rows: readonly VisibleRow[],
  current: string | undefined,
  input: KeyInput,
): TreeAction | undefined {
  if (rows.length === 0) return undefined;
  const index = Math.max(
    0,
    rows.findIndex((row) => row.path === current),
  );
  const row = rows[index]!;
  const focus = (at: number): TreeAction => ({ type: 'focus', path: rows[at]!.path });
  if (input.ctrlKey || input.metaKey || input.altKey) return undefined;
  if (input.shiftKey) {
    if (input.key === 'F10') return { type: 'menu', path: row.path };
    if (input.key === 'ArrowDown')
      return { type: 'extend', path: rows[Math.min(rows.length - 1, index + 1)]!.path };
    if (input.key === 'ArrowUp')
      return { type: 'extend', path: rows[Math.max(0, index - 1)]!.path };
    return undefined;
  }
  switch (input.key) {
    case 'ArrowDown':
      return focus(Math.min(rows.length - 1, index + 1));
    case 'ArrowUp':
      return focus(Math.max(0, index - 1));
    case 'Home':
      return focus(0);
    case 'End':
      return focus(rows.length - 1);
    case 'ArrowRight':
      if (row.type !== 'folder') return undefined;
      if (!row.expanded) return { type: 'expand', path: row.path };
      // An open folder: Right enters it (when it has children).
      return rows[index + 1]?.parent === row.path ? focus(index + 1) : undefined;
    case 'ArrowLeft':
      if (row.type === 'folder' && row.expanded) return { type: 'collapse', path: row.path };
      return row.parent ? { type: 'focus', path: row.parent } : undefined;
    case 'Enter':
    case ' ':
      return { type: 'activate', path: row.path };
    case 'F2':
      return { type: 'rename', path: row.path };
    case 'Delete':
      return { type: 'delete', path: row.path };
    case 'ContextMenu':
      return { type: 'menu', path: row.path };
    default:
      return undefined;
  }
}

/**
 * Type-ahead: the next row (after the focused one, wrapping) whose name starts with what
 * was typed. Typing one letter repeatedly cycles through the rows starting with it.
 */
export function typeAheadMatch(
  rows: readonly VisibleRow[],
  current: string | undefined,
  typed: string,
): string | undefined {
  if (!typed || rows.length === 0) return undefined;
  const query = typed.toLowerCase();
  const repeated = /^(.)\1*$/su.test(query);
  const index = rows.findIndex((row) => row.path === current);
  // While extending a prefix the focused row may still match; a fresh letter moves on.
  const start = index < 0 ? 0 : index + (query.length > 1 && !repeated ? 0 : 1);
  const needle = repeated ? query[0]! : query;
  for (let step = 0; step < rows.length; step++) {
    const row = rows[(start + step) % rows.length]!;
    if (row.name.toLowerCase().startsWith(needle)) return row.path;
  }
  return undefined;
}

/** A key that types into type-ahead (one printable character, no modifiers). */
export function isTypeAheadKey(input: KeyInput): boolean {
  return (
    input.key.length === 1 && input.key !== ' ' && !input.ctrlKey && !input.metaKey && !input.altKey
  );
}
