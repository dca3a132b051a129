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

describe('EditorTabsMemory', () => {
  it('gives back the open files, the active one and where each was left', async () => {
    const tabs = await memory();
    expect(tabs.remembered()).toEqual({ paths: ['a.py'], active: 'a.py' });
    expect(tabs.position('a.py')).toMatchObject({ cursor: { line: 5, column: 3 } });
    expect(tabs.position('b.py')).toBeUndefined();
  });

  it('a newly opened file starts at the top; an open one keeps its place', async () => {
    const tabs = await memory();
    tabs.saveTabs(['a.py', 'b.py'], 'b.py');
    expect(tabs.remembered()).toEqual({ paths: ['a.py', 'b.py'], active: 'b.py' });
    expect(tabs.position('a.py')?.scroll).toEqual({ top: 90, left: 0 });
    expect(tabs.position('b.py')).toMatchObject({
      cursor: { line: 1, column: 1 },
      scroll: { top: 0, left: 0 },
    });
  });

  it('remembers a moved cursor and scroll; an unchanged one changes nothing', async () => {
    const tabs = await memory();
    let changes = 0;
    store.subscribe(() => changes++);
    tabs.savePosition('a.py', { cursor: { line: 5, column: 3 }, scroll: { top: 90.2, left: 0 } });
    expect(changes).toBe(0);
    tabs.savePosition('a.py', { cursor: { line: 9, column: 1 }, scroll: { top: 300, left: 4 } });
    expect(tabs.position('a.py')).toEqual({
      path: 'a.py',
      cursor: { line: 9, column: 1 },
      scroll: { top: 300, left: 4 },
    });
    expect(changes).toBe(1);
  });
});
