import { describe, expect, it } from 'vitest';

import {
  actionTargets,
  emptySelection,
  presentSelection,
  selectOnly,
  selectRange,
  toggleSelected,
} from './selection';

const rows = ['src', 'src/a.py', 'src/b.py', 'data.csv', 'main.py'].map((path) => ({ path }));
const paths = (selection: { paths: ReadonlySet<string> }) => [...selection.paths].sort();

describe('tree selection', () => {
  it('a click selects one row and makes it the anchor', () => {
    expect(selectOnly('main.py')).toEqual({ paths: new Set(['main.py']), anchor: 'main.py' });
  });

  it('Ctrl+click adds a row, a second Ctrl+click removes it again', () => {
    const two = toggleSelected(selectOnly('src/a.py'), 'main.py');
    expect(paths(two)).toEqual(['main.py', 'src/a.py']);
    expect(paths(toggleSelected(two, 'main.py'))).toEqual(['src/a.py']);
  });

  it('Shift selects the visible rows between the anchor and the row, either way round', () => {
    const down = selectRange(selectOnly('src/a.py'), rows, 'data.csv');
    expect(paths(down)).toEqual(['data.csv', 'src/a.py', 'src/b.py']);
    // The anchor stays: a second Shift+click replaces the range rather than growing it.
    const up = selectRange(down, rows, 'src');
    expect(paths(up)).toEqual(['src', 'src/a.py']);
    expect(up.anchor).toBe('src/a.py');
  });

  it('Shift without an anchor selects just the row', () => {
    expect(paths(selectRange(emptySelection, rows, 'main.py'))).toEqual(['main.py']);
  });

  it('forgets selected paths that are gone', () => {
    const selection = toggleSelected(selectOnly('a.py'), 'b.py');
    expect(paths(presentSelection(selection, (path) => path === 'b.py'))).toEqual(['b.py']);
    expect(presentSelection(selection, () => true)).toBe(selection);
  });

  it('acts on the selection without what selected folders hold, or on a row outside it alone', () => {
    let selection = selectRange(selectOnly('src'), rows, 'data.csv');
    expect(actionTargets(selection, 'src/a.py')).toEqual(['src', 'data.csv']);
    selection = toggleSelected(selectOnly('data.csv'), 'main.py');
    expect(actionTargets(selection, 'src/b.py')).toEqual(['src/b.py']);
  });
});
