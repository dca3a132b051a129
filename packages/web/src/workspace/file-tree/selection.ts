/**
 * Which rows of the tree are selected (VS Code's explorer rules): a click selects one row,
 * Ctrl/Cmd+click toggles one, Shift+click or Shift+Arrow selects the range from the anchor
 * (the last row clicked without Shift) in the order the rows are shown. Pure functions, so
 * the rules are testable without a DOM.
 */
import { isWithin } from '@workcell/protocol';

export interface Selection {
  paths: ReadonlySet<string>;
  /** Where a Shift range starts. */
  anchor: string | undefined;
}

export const emptySelection: Selection = { paths: new Set(), anchor: undefined };

export function selectOnly(path: string): Selection {
  return { paths: new Set([path]), anchor: path };
}

export function toggleSelected(selection: Selection, path: string): Selection {
  const paths = new Set(selection.paths);
  if (paths.has(path)) paths.delete(path);
  else paths.add(path);
  return { paths, anchor: path };
}

/** The rows from the anchor to `path` (either way round); the anchor stays. */
export function selectRange(
  selection: Selection,
  rows: readonly { path: string }[],
  path: string,
): Selection {
  const to = rows.findIndex((row) => row.path === path);
  const anchor = selection.anchor ?? path;
  const from = rows.findIndex((row) => row.path === anchor);
  if (to < 0) return selection;
  if (from < 0) return selectOnly(path);
  const [low, high] = from <= to ? [from, to] : [to, from];
  return { paths: new Set(rows.slice(low, high + 1).map((row) => row.path)), anchor };
}

/** The selected paths still in the tree (others were deleted or moved meanwhile). */
export function presentSelection(selection: Selection, exists: (path: string) => boolean) {
  return [...selection.paths].every(exists)
    ? selection
    : { ...selection, paths: new Set([...selection.paths].filter(exists)) };
}

/**
 * What an action on the selection acts on: `path` itself when it is not selected (a
 * right-click on another row), else every selected path not inside another selected folder
 * (deleting a folder deletes what is in it), in the order given.
 */
export function actionTargets(selection: Selection, path: string): string[] {
  if (!selection.paths.has(path)) return [path];
  const paths = [...selection.paths];
  return paths.filter((p) => !paths.some((other) => other !== p && isWithin(p, other)));
}
