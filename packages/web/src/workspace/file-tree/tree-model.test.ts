import type { FileEntry } from '@workcell/protocol';
import { describe, expect, it } from 'vitest';

import {
  applyChanges,
  buildTree,
  moveEntry,
  moveRefusal,
  modelFromList,
  newItemIndex,
  remapExpanded,
  visibleRows,
  type TreeModel,
  type TreeNode,
} from './tree-model';

const entry = (path: string, type: 'file' | 'folder' = 'file', version = 1): FileEntry => ({
  path,
  type,
  size: 3,
  version,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

/** The tree as indented text, which makes the expected shapes readable. */
function outline(model: TreeModel): string {
  const lines: string[] = [];
  const walk = (nodes: TreeNode[], depth: number) => {
    for (const node of nodes) {
      lines.push(`${'  '.repeat(depth)}${node.name}${node.type === 'folder' ? '/' : ''}`);
      walk(node.children, depth + 1);
    }
  };
  walk(buildTree(model), 0);
  return lines.join('\n');
}

describe('building the tree', () => {
  it('nests entries, folders first, then files, each alphabetical ignoring case', () => {
    const model = modelFromList([
      entry('zeta.py'),
      entry('Alpha.csv'),
      entry('beta.py'),
      entry('src', 'folder'),
      entry('src/main.py'),
      entry('src/lib', 'folder'),
      entry('data', 'folder'),
      entry('Data2', 'folder'),
      entry('_init.py'),
    ]);
    expect(outline(model)).toBe(
      [
        'data/',
        'Data2/',
        'src/',
        '  lib/',
        '  main.py',
        '_init.py',
        'Alpha.csv',
        'beta.py',
        'zeta.py',
      ].join('\n'),
    );
  });

  it('sorts numbers by value (file2 before file10)', () => {
    expect(outline(modelFromList([entry('file10.py'), entry('file2.py'), entry('file1.py')]))).toBe(
      'file1.py\nfile2.py\nfile10.py',
    );
  });

  it('implies folders the listing does not name', () => {
    const model = modelFromList([entry('a/b/c.py')]);
    expect(outline(model)).toBe('a/\n  b/\n    c.py');
    expect(model.get('a/b')?.type).toBe('folder');
  });
});

describe('applying change events', () => {
  const base = () =>
    modelFromList([
      entry('src', 'folder'),
      entry('src/main.py', 'file', 4),
      entry('src/util', 'folder'),
      entry('src/util/io.py'),
      entry('notes.md'),
    ]);

  it('adds a created file with its implied parent folders', () => {
    const model = applyChanges(base(), [{ path: 'out/plots/fig.png', kind: 'file', version: 1 }]);
    expect(outline(model)).toContain('out/\n  plots/\n    fig.png');
    expect(model.get('out')?.type).toBe('folder');
  });

  it('adds a created empty folder', () => {
    const model = applyChanges(base(), [{ path: 'empty', kind: 'folder', version: 1 }]);
    expect(outline(model).split('\n')[0]).toBe('empty/');
  });

  it('updates the version of a changed file', () => {
    const model = applyChanges(base(), [{ path: 'src/main.py', kind: 'file', version: 5 }]);
    expect(model.get('src/main.py')?.version).toBe(5);
  });

  it('removes a deleted file, and a deleted folder with everything in it', () => {
    let model = applyChanges(base(), [
      { path: 'notes.md', kind: 'file', version: 1, deleted: true },
    ]);
    expect(model.has('notes.md')).toBe(false);
    model = applyChanges(model, [{ path: 'src', kind: 'folder', version: 1, deleted: true }]);
    expect([...model.keys()]).toEqual([]);
  });

  it('does not remove siblings sharing a name prefix', () => {
    const model = applyChanges(modelFromList([entry('src/a.py'), entry('src2/b.py')]), [
      { path: 'src', kind: 'folder', version: 1, deleted: true },
    ]);
    expect(outline(model)).toBe('src2/\n  b.py');
  });

  it('moves a file (delete of the old path, then the new path with movedFrom)', () => {
    const model = applyChanges(base(), [
      { path: 'notes.md', kind: 'file', version: 1, deleted: true },
      { path: 'src/notes.md', kind: 'file', version: 1, movedFrom: 'notes.md' },
    ]);
    expect(outline(model)).toBe('src/\n  util/\n    io.py\n  main.py\n  notes.md');
  });

  it('moves a folder with its children from a single movedFrom event', () => {
    const model = applyChanges(base(), [
      { path: 'lib', kind: 'folder', version: 1, movedFrom: 'src/util' },
    ]);
    expect(outline(model)).toBe('lib/\n  io.py\nsrc/\n  main.py\nnotes.md');
    expect(model.get('lib/io.py')?.path).toBe('lib/io.py');
  });

  it("ends the same whatever order a folder move's per-entry events come in", () => {
    const events = [
      { path: 'src/util', kind: 'folder' as const, version: 1, deleted: true },
      { path: 'lib', kind: 'folder' as const, version: 1, movedFrom: 'src/util' },
      { path: 'src/util/io.py', kind: 'file' as const, version: 1, deleted: true },
      { path: 'lib/io.py', kind: 'file' as const, version: 1, movedFrom: 'src/util/io.py' },
    ];
    const expected = 'lib/\n  io.py\nsrc/\n  main.py\nnotes.md';
    expect(outline(applyChanges(base(), events))).toBe(expected);
    expect(outline(applyChanges(base(), [...events].reverse()))).toBe(expected);
    expect(outline(applyChanges(base(), [events[2]!, events[3]!, events[0]!, events[1]!]))).toBe(
      expected,
    );
  });

  it('is idempotent: events for a move the panel already applied change nothing', () => {
    const moved = moveEntry(base(), 'src/util', 'lib');
    const again = applyChanges(moved, [
      { path: 'src/util', kind: 'folder', version: 1, deleted: true },
      { path: 'lib', kind: 'folder', version: 1, movedFrom: 'src/util' },
      { path: 'src/util/io.py', kind: 'file', version: 1, deleted: true },
      { path: 'lib/io.py', kind: 'file', version: 1, movedFrom: 'src/util/io.py' },
    ]);
    expect(outline(again)).toBe(outline(moved));
  });

  it('replaces a folder by a file of the same path without keeping its children', () => {
    const model = applyChanges(base(), [{ path: 'src', kind: 'file', version: 1 }]);
    expect(outline(model)).toBe('notes.md\nsrc');
  });

  it('never mutates the model it was given', () => {
    const model = base();
    applyChanges(model, [{ path: 'src', kind: 'folder', version: 1, deleted: true }]);
    expect(model.has('src/main.py')).toBe(true);
  });
});

describe('moves made by the panel', () => {
  it('moves a folder and its children into another folder', () => {
    const model = modelFromList([entry('a/x.py'), entry('a/sub/y.py'), entry('b', 'folder')]);
    expect(outline(moveEntry(model, 'a', 'b/a'))).toBe('b/\n  a/\n    sub/\n      y.py\n    x.py');
  });

  it('refuses a folder into itself or its own subfolder, and a no-op move', () => {
    expect(moveRefusal('a', 'a')).toMatch(/into itself/);
    expect(moveRefusal('a', 'a/sub')).toMatch(/into itself/);
    expect(moveRefusal('a/x.py', 'a')).toMatch(/already there/);
    expect(moveRefusal('a/x.py', '')).toBeUndefined();
    expect(moveRefusal('ab/x.py', 'a')).toBeUndefined();
  });

  it('keeps a renamed folder and its open subfolders open', () => {
    const expanded = remapExpanded(new Set(['a', 'a/sub', 'ab']), 'a', 'z');
    expect([...expanded].sort()).toEqual(['ab', 'z', 'z/sub']);
  });
});

describe('visible rows', () => {
  const roots = buildTree(
    modelFromList([entry('src/main.py'), entry('src/util/io.py'), entry('README.md')]),
  );

  it('lists only the children of expanded folders, with their level and parent', () => {
    expect(visibleRows(roots, new Set()).map((row) => row.path)).toEqual(['src', 'README.md']);
    const rows = visibleRows(roots, new Set(['src', 'src/util']));
    expect(rows.map((row) => [row.path, row.level, row.parent, row.expanded])).toEqual([
      ['src', 1, '', true],
      ['src/util', 2, 'src', true],
      ['src/util/io.py', 3, 'src/util', false],
      ['src/main.py', 2, 'src', false],
      ['README.md', 1, '', false],
    ]);
  });

  it('places a new folder first and a new file after the subfolders', () => {
    const src = roots[0]!.children;
    expect(newItemIndex(src, 'folder')).toBe(0);
    expect(newItemIndex(src, 'file')).toBe(1);
    expect(newItemIndex([], 'file')).toBe(0);
  });
});
