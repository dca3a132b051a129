import type { FileEntry } from '@workcell/protocol';
import { describe, expect, it } from 'vitest';

import { isTypeAheadKey, treeKeyAction, typeAheadMatch } from './keyboard';
import { buildTree, modelFromList, visibleRows } from './tree-model';

const list = ['src/main.py', 'src/util/io.py', 'src/empty/', 'data.csv', 'README.md'].map(
  (path): FileEntry => ({
    path: path.replace(/\/$/, ''),
    type: path.endsWith('/') ? 'folder' : 'file',
    size: 0,
    version: 1,
    updatedAt: '2026-01-01T00:00:00.000Z',
  }),
);
const roots = buildTree(modelFromList(list));
const rows = (expanded: string[] = []) => visibleRows(roots, new Set(expanded));
const key = (k: string, extra: object = {}) => ({ key: k, ...extra });

describe('tree keyboard navigation', () => {
  it('moves down and up through visible rows, stopping at the ends', () => {
    const shown = rows(); // src, data.csv, README.md
    expect(treeKeyAction(shown, 'src', key('ArrowDown'))).toEqual({
      type: 'focus',
      path: 'data.csv',
    });
    expect(treeKeyAction(shown, 'README.md', key('ArrowDown'))).toEqual({
      type: 'focus',
      path: 'README.md',
    });
    expect(treeKeyAction(shown, 'src', key('ArrowUp'))).toEqual({ type: 'focus', path: 'src' });
    expect(treeKeyAction(shown, 'data.csv', key('Home'))).toEqual({ type: 'focus', path: 'src' });
    expect(treeKeyAction(shown, 'src', key('End'))).toEqual({ type: 'focus', path: 'README.md' });
  });

  it('walks into an expanded folder', () => {
    expect(treeKeyAction(rows(['src']), 'src', key('ArrowDown'))).toEqual({
      type: 'focus',
      path: 'src/empty',
    });
  });

  it('Right expands a closed folder, then enters it; does nothing on a file', () => {
    expect(treeKeyAction(rows(), 'src', key('ArrowRight'))).toEqual({
      type: 'expand',
      path: 'src',
    });
    expect(treeKeyAction(rows(['src']), 'src', key('ArrowRight'))).toEqual({
      type: 'focus',
      path: 'src/empty',
    });
    expect(
      treeKeyAction(rows(['src', 'src/empty']), 'src/empty', key('ArrowRight')),
    ).toBeUndefined();
    expect(treeKeyAction(rows(), 'data.csv', key('ArrowRight'))).toBeUndefined();
  });

  it('Left collapses an open folder, otherwise goes to the parent', () => {
    const shown = rows(['src', 'src/util']);
    expect(treeKeyAction(shown, 'src/util', key('ArrowLeft'))).toEqual({
      type: 'collapse',
      path: 'src/util',
    });
    expect(treeKeyAction(shown, 'src/util/io.py', key('ArrowLeft'))).toEqual({
      type: 'focus',
      path: 'src/util',
    });
    expect(treeKeyAction(shown, 'src/main.py', key('ArrowLeft'))).toEqual({
      type: 'focus',
      path: 'src',
    });
    expect(treeKeyAction(rows(), 'data.csv', key('ArrowLeft'))).toBeUndefined();
  });

  it('Shift+Arrow extends the selection to the next or previous row', () => {
    const shown = rows(); // src, data.csv, README.md
    expect(treeKeyAction(shown, 'data.csv', key('ArrowDown', { shiftKey: true }))).toEqual({
      type: 'extend',
      path: 'README.md',
    });
    expect(treeKeyAction(shown, 'data.csv', key('ArrowUp', { shiftKey: true }))).toEqual({
      type: 'extend',
      path: 'src',
    });
    expect(treeKeyAction(shown, 'data.csv', key('Home', { shiftKey: true }))).toBeUndefined();
  });

  it('maps Enter, F2, Delete and the menu keys to their actions', () => {
    expect(treeKeyAction(rows(), 'data.csv', key('Enter'))).toEqual({
      type: 'activate',
      path: 'data.csv',
    });
    expect(treeKeyAction(rows(), 'data.csv', key('F2'))?.type).toBe('rename');
    expect(treeKeyAction(rows(), 'data.csv', key('Delete'))?.type).toBe('delete');
    expect(treeKeyAction(rows(), 'data.csv', key('F10', { shiftKey: true }))?.type).toBe('menu');
    expect(treeKeyAction(rows(), 'data.csv', key('ContextMenu'))?.type).toBe('menu');
    expect(treeKeyAction(rows(), 'data.csv', key('F10'))).toBeUndefined();
    expect(treeKeyAction(rows(), 'data.csv', key('ArrowDown', { ctrlKey: true }))).toBeUndefined();
  });

  it('starts from the first row when nothing is focused yet', () => {
    expect(treeKeyAction(rows(), undefined, key('ArrowDown'))).toEqual({
      type: 'focus',
      path: 'data.csv',
    });
    expect(treeKeyAction([], undefined, key('ArrowDown'))).toBeUndefined();
  });
});

describe('type-ahead', () => {
  const shown = rows(['src']); // src, src/empty, src/util, src/main.py, data.csv, README.md

  it('finds the next row starting with the typed letters, ignoring case, wrapping', () => {
    expect(typeAheadMatch(shown, 'src', 'r')).toBe('README.md');
    expect(typeAheadMatch(shown, 'README.md', 'd')).toBe('data.csv');
    expect(typeAheadMatch(shown, 'data.csv', 'ma')).toBe('src/main.py');
    expect(typeAheadMatch(shown, 'src', 'x')).toBeUndefined();
  });

  it('cycles through rows with the same first letter when it is typed again', () => {
    const names = visibleRows(
      buildTree(
        modelFromList(['a.py', 'b1.py', 'b2.py', 'c.py'].map((path) => ({ ...list[3]!, path }))),
      ),
      new Set(),
    );
    expect(typeAheadMatch(names, 'a.py', 'b')).toBe('b1.py');
    expect(typeAheadMatch(names, 'b1.py', 'bb')).toBe('b2.py');
    expect(typeAheadMatch(names, 'b2.py', 'bbb')).toBe('b1.py');
    expect(typeAheadMatch(shown, 'src', 's')).toBe('src');
  });

  it('keeps the focused row while a longer prefix still matches it', () => {
    expect(typeAheadMatch(shown, 'src/main.py', 'ma')).toBe('src/main.py');
  });

  it('only takes single printable keys without modifiers', () => {
    expect(isTypeAheadKey({ key: 'a' })).toBe(true);
    expect(isTypeAheadKey({ key: 'a', ctrlKey: true })).toBe(false);
    expect(isTypeAheadKey({ key: 'ArrowUp' })).toBe(false);
    expect(isTypeAheadKey({ key: ' ' })).toBe(false);
  });
});
