import { emptyWorkspaceState, type WorkspaceState } from '@workcell/protocol';
import { afterEach, describe, expect, it } from 'vitest';

import { fakeServer } from '../../ui/fakeServer';
import { EditorTabsMemory } from './editorTabs';
import { WorkspaceStateStore } from './WorkspaceStateStore';

const WORKSPACE = '7d3c0a52-3f5e-4c1e-9b8a-2f0f5d7e9a11';
const stored: WorkspaceState = {
  ...emptyWorkspaceState(),
  editorGroups: [
    {
      tabs: [{ path: 'a.py', cursor: { line: 5, column: 3 }, scroll: { top: 90, left: 0 } }],
      active: 'a.py',
    },
  ],
};

let store: WorkspaceStateStore;
afterEach(() => store.dispose());

async function memory() {
  fakeServer((request) =>
    request.method === 'GET' ? { status: 200, body: stored } : { status: 204 },
  );
  store = new WorkspaceStateStore(WORKSPACE);
  await store.load();
  return new EditorTabsMemory(store);
}

const layout = (...groups: Array<[string[], string]>) => ({
  groups: groups.map(([tabs, active]) => ({ tabs, active })),
  focused: groups.length - 1,
});

describe('EditorTabsMemory', () => {
  it('gives back the open files, the active one and where each was left', async () => {
    const tabs = await memory();
    expect(tabs.remembered()).toEqual({ groups: [{ tabs: ['a.py'], active: 'a.py' }], focused: 0 });
    expect(tabs.position(0, 'a.py')).toMatchObject({ cursor: { line: 5, column: 3 } });
    expect(tabs.position(0, 'b.py')).toBeUndefined();
  });

  it('a newly opened file starts at the top; an open one keeps its place', async () => {
    const tabs = await memory();
    tabs.saveLayout(layout([['a.py', 'b.py'], 'b.py']));
    expect(tabs.remembered()).toEqual({
      groups: [{ tabs: ['a.py', 'b.py'], active: 'b.py' }],
      focused: 0,
    });
    expect(tabs.position(0, 'a.py')?.scroll).toEqual({ top: 90, left: 0 });
    expect(tabs.position(0, 'b.py')).toMatchObject({
      cursor: { line: 1, column: 1 },
      scroll: { top: 0, left: 0 },
    });
  });

  it('remembers both groups of a split editor and which has focus', async () => {
    const tabs = await memory();
    tabs.saveLayout(layout([['a.py'], 'a.py'], [['b.py', 'a.py'], 'b.py']));
    expect(tabs.remembered()).toEqual({
      groups: [
        { tabs: ['a.py'], active: 'a.py' },
        { tabs: ['b.py', 'a.py'], active: 'b.py' },
      ],
      focused: 1,
    });
    // A file split into the second group starts where it was in the first; then each
    // group keeps its own place.
    expect(tabs.position(1, 'a.py')?.cursor).toEqual({ line: 5, column: 3 });
    tabs.savePosition(1, 'a.py', {
      cursor: { line: 40, column: 1 },
      scroll: { top: 800, left: 0 },
    });
    expect(tabs.position(1, 'a.py')?.cursor).toEqual({ line: 40, column: 1 });
    expect(tabs.position(0, 'a.py')?.cursor).toEqual({ line: 5, column: 3 });
  });

  it('keeps within what the server stores: the oldest tabs go, never the active one', async () => {
    const tabs = await memory();
    const many = Array.from({ length: 60 }, (_, i) => `f${i}.py`);
    tabs.saveLayout(layout([many, 'f0.py']));
    const [group] = tabs.remembered().groups;
    expect(group?.tabs).toHaveLength(50);
    expect(group?.tabs.slice(0, 2)).toEqual(['f0.py', 'f11.py']);
    expect(group?.active).toBe('f0.py');
  });

  it('remembers a moved cursor and scroll; an unchanged one changes nothing', async () => {
    const tabs = await memory();
    let changes = 0;
    store.subscribe(() => changes++);
    const at = { cursor: { line: 5, column: 3 }, scroll: { top: 90.2, left: 0 } };
    tabs.savePosition(0, 'a.py', at);
    expect(changes).toBe(0);
    tabs.savePosition(0, 'a.py', { cursor: { line: 9, column: 1 }, scroll: { top: 300, left: 4 } });
    expect(tabs.position(0, 'a.py')).toEqual({
      path: 'a.py',
      cursor: { line: 9, column: 1 },
      scroll: { top: 300, left: 4 },
    });
    expect(changes).toBe(1);
  });
});
