import { describe, expect, it } from 'vitest';

import { cursorAfterEdit, minimalEdit } from './formatEdit';

const apply = (before: string, after: string) => {
  const edit = minimalEdit(before, after);
  return edit ? before.slice(0, edit.start) + edit.text + before.slice(edit.end) : before;
};

describe('minimalEdit', () => {
  it.each([
    ['x=1\n', 'x = 1\n'],
    ['import sys\nimport os\n\nprint(1)\n', 'import os\nimport sys\n\nprint(1)\n'],
    ['def f(a,b):\n  return a\n', 'def f(a, b):\n    return a\n'],
    ['', 'x = 1\n'],
    ['x = 1\n\n\n\n', 'x = 1\n'],
    ['aaa', 'aa'],
    ['ab', 'aab'],
  ])('turns %j into %j', (before, after) => {
    expect(apply(before, after)).toBe(after);
  });

  it('replaces only the span that differs', () => {
    expect(minimalEdit('a = 1\nb=2\nc = 3\n', 'a = 1\nb = 2\nc = 3\n')).toEqual({
      start: 7,
      end: 8,
      text: ' = ',
    });
    expect(minimalEdit('same\n', 'same\n')).toBeNull();
  });
});

describe('cursorAfterEdit', () => {
  const before = 'import sys\nimport os\n\nx=f( 1,2 )\nprint(x)\n';
  const after = 'import os\nimport sys\n\nx = f(1, 2)\nprint(x)\n';
  const edit = minimalEdit(before, after)!;
  const at = (text: string, marker: string) => text.indexOf(marker);

  it('keeps a cursor before the change, and moves one after it with the code', () => {
    expect(cursorAfterEdit(3, edit, before, after)).toBe(3);
    const printAt = at(before, 'print');
    expect(cursorAfterEdit(printAt, edit, before, after)).toBe(at(after, 'print'));
  });

  it('keeps a cursor inside the change on its line and column, within the line', () => {
    // Line 4, column 2 ("x=|f") stays line 4, column 2 ("x |= f").
    const inside = at(before, 'f(');
    expect(cursorAfterEdit(inside, edit, before, after)).toBe(at(after, 'x = f') + 2);
    // Column 7 (on the 2) of a line that shrank to 6 characters is its end.
    const shortened = minimalEdit('x = [1,2,3]\n', 'x = []\n')!;
    expect(cursorAfterEdit(7, shortened, 'x = [1,2,3]\n', 'x = []\n')).toBe(6);
  });
});
