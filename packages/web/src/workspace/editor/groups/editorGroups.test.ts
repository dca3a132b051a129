import { describe, expect, it } from 'vitest';

import {
  closeTab,
  focusGroup,
  moveActiveTab,
  moveTab,
  openTab,
  reconcile,
  renameTab,
  singleGroup,
  split,
} from './editorGroups';

const tabsOf = (layout: ReturnType<typeof singleGroup>) =>
  layout.groups.map((group) => [...group.tabs]);

describe('editor groups', () => {
  it('opens a file in the focused group and makes it active there', () => {
    const layout = openTab(singleGroup(['a.py']), 'b.py');
    expect(tabsOf(layout)).toEqual([['a.py', 'b.py']]);
    expect(layout.groups[0]?.active).toBe('b.py');
    expect(openTab(layout, 'a.py').groups[0]?.tabs).toEqual(['a.py', 'b.py']);
  });

  it('splits the active file into a second group, which takes focus', () => {
    const layout = split(singleGroup(['a.py', 'b.py'], 'b.py'));
    expect(tabsOf(layout)).toEqual([['a.py', 'b.py'], ['b.py']]);
    expect(layout.focused).toBe(1);
    expect(layout.groups[1]?.active).toBe('b.py');
    // Opening now opens in group 2; a third split is not made.
    const opened = openTab(layout, 'c.py');
    expect(tabsOf(opened)).toEqual([
      ['a.py', 'b.py'],
      ['b.py', 'c.py'],
    ]);
    expect(split(opened).groups).toHaveLength(2);
    expect(tabsOf(split(focusGroup(opened, 0, 'a.py')))).toEqual([
      ['a.py', 'b.py'],
      ['b.py', 'c.py', 'a.py'],
    ]);
  });

  it('does nothing on a split with no file open', () => {
    const empty = singleGroup([]);
    expect(split(empty)).toBe(empty);
  });

  it('moves a tab between groups and reorders within one', () => {
    const two = openTab(split(singleGroup(['a.py', 'b.py'], 'a.py')), 'c.py');
    const moved = moveTab(two, 'c.py', 1, 0, 'b.py');
    expect(tabsOf(moved)).toEqual([['a.py', 'c.py', 'b.py'], ['a.py']]);
    expect(moved.focused).toBe(0);
    expect(moved.groups[0]?.active).toBe('c.py');
    expect(moved.groups[1]?.active).toBe('a.py');
    expect(tabsOf(moveTab(moved, 'a.py', 0, 0))).toEqual([['c.py', 'b.py', 'a.py'], ['a.py']]);
  });

  it('closes a group its last tab moves out of', () => {
    const two = split(singleGroup(['a.py', 'b.py'], 'b.py'));
    const moved = moveTab(two, 'b.py', 1, 0);
    expect(tabsOf(moved)).toEqual([['a.py', 'b.py']]);
    expect(moved.focused).toBe(0);
    const left = moveTab(focusGroup(two, 0), 'a.py', 0, 1);
    expect(tabsOf(moveTab(left, 'b.py', 0, 1))).toEqual([['a.py', 'b.py']]);
  });

  it('moves the active tab with Ctrl+Alt+Right/Left, creating the right group', () => {
    const one = singleGroup(['a.py', 'b.py'], 'b.py');
    const right = moveActiveTab(one, 'right');
    expect(tabsOf(right)).toEqual([['a.py'], ['b.py']]);
    expect(right.focused).toBe(1);
    expect(moveActiveTab(right, 'right')).toBe(right);
    expect(tabsOf(moveActiveTab(right, 'left'))).toEqual([['a.py', 'b.py']]);
    // A lone tab has nowhere to go.
    const lone = singleGroup(['a.py']);
    expect(moveActiveTab(lone, 'right')).toBe(lone);
    expect(moveActiveTab(lone, 'left')).toBe(lone);
  });

  it("closing a group's last tab closes the group; the neighbour tab becomes active", () => {
    const two = split(singleGroup(['a.py', 'b.py', 'c.py'], 'b.py'));
    const closed = closeTab(two, 1, 'b.py');
    expect(tabsOf(closed)).toEqual([['a.py', 'b.py', 'c.py']]);
    expect(closed.focused).toBe(0);
    const inFirst = closeTab(closed, 0, 'b.py');
    expect(inFirst.groups[0]?.active).toBe('c.py');
    expect(tabsOf(closeTab(singleGroup(['a.py']), 0, 'a.py'))).toEqual([[]]);
  });

  it('follows what is open: closed files leave, background opens join the focused group', () => {
    const two = split(singleGroup(['a.py', 'b.py'], 'b.py'));
    expect(reconcile(two, ['a.py', 'b.py'])).toBe(two);
    const gone = reconcile(two, ['a.py', 'd.py']);
    expect(tabsOf(gone)).toEqual([['a.py', 'd.py']]);
    expect(gone.groups[0]?.active).toBe('a.py');
    expect(tabsOf(reconcile(singleGroup([]), ['x.py']))).toEqual([['x.py']]);
  });

  it('renames a moved file in every group', () => {
    const two = split(singleGroup(['a.py'], 'a.py'));
    const renamed = renameTab(two, 'a.py', 'src/a.py');
    expect(tabsOf(renamed)).toEqual([['src/a.py'], ['src/a.py']]);
    expect(renamed.groups[1]?.active).toBe('src/a.py');
  });
});
