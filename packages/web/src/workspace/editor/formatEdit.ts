/**
 * A formatter's result as one small edit: only the span that differs is replaced, so the
 * undo stack, the decorations and the view outside it stay put, and the cursor keeps its
 * place in the code around it.
 */

/** Replace `before.slice(start, end)` with `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** The one edit that turns `before` into `after`, or null when they are the same. */
export function minimalEdit(before: string, after: string): TextEdit | null {
  if (before === after) return null;
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < shorter - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  )
    suffix++;
  return {
    start: prefix,
    end: before.length - suffix,
    text: after.slice(prefix, after.length - suffix),
  };
}

/**
 * Where a cursor at `offset` in `before` belongs in `after`: unmoved before the edit,
 * shifted by its growth after it, and inside it on the same line and column (formatters
 * mostly keep lines where they were), within the line's length.
 */
export function cursorAfterEdit(
  offset: number,
  edit: TextEdit,
  before: string,
  after: string,
): number {
  if (offset <= edit.start) return offset;
  if (offset >= edit.end) return offset + edit.text.length - (edit.end - edit.start);
  const { line, column } = lineColumnAt(before, offset);
  return offsetAt(after, line, column);
}

function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const lines = text.slice(0, offset).split('\n');
  return { line: lines.length - 1, column: lines.at(-1)!.length };
}

function offsetAt(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  const row = Math.min(line, lines.length - 1);
  let offset = 0;
  for (let i = 0; i < row; i++) offset += lines[i]!.length + 1;
  return offset + Math.min(column, lines[row]!.length);
}
