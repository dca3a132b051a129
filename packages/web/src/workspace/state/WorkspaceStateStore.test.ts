import { emptyWorkspaceState, type WorkspaceState } from '@workcell/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { fakeServer, type FakeReply } from '../../ui/fakeServer';
import { StoredRunConfigurations } from './storedRunConfigurations';
import { WorkspaceStateStore } from './WorkspaceStateStore';

const WORKSPACE = '7d3c0a52-3f5e-4c1e-9b8a-2f0f5d7e9a11';
const URL = `/api/workspace/${WORKSPACE}/state`;

const tab = (path: string) => ({
  path,
  cursor: { line: 4, column: 2 },
  scroll: { top: 54, left: 0 },
});
const stored: WorkspaceState = {
  ...emptyWorkspaceState(),
  editorGroups: [{ tabs: [tab('main.py')], active: 'main.py' }],
  panels: { problems: true },
};

/** A server keeping the state; `saves` are the PUTs it received. */
function server(options: { get?: FakeReply; put?: () => FakeReply } = {}) {
  let state = stored;
  const requests = fakeServer((request) => {
    if (request.url !== URL) return undefined;
    if (request.method === 'GET') return options.get ?? { status: 200, body: state };
    if (request.method !== 'PUT') return undefined;
    const reply = options.put?.() ?? { status: 204 };
    if (typeof reply === 'object' && reply.status === 204) state = request.body as WorkspaceState;
    return reply;
  });
  return {
    requests,
    saves: () => requests.filter((r) => r.method === 'PUT'),
    gets: () => requests.filter((r) => r.method === 'GET'),
  };
}

const openTab =
  (path: string) =>
  (state: WorkspaceState): WorkspaceState => ({
    ...state,
    editorGroups: [{ tabs: [...state.editorGroups[0]!.tabs, tab(path)], active: path }],
  });

let store: WorkspaceStateStore;
let errors: string[];
const makeStore = () => {
  errors = [];
  store = new WorkspaceStateStore(WORKSPACE, { onError: (message) => errors.push(message) });
  return store;
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  store.dispose();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('WorkspaceStateStore', () => {
  it('reads the state once, however often it is asked', async () => {
    const { gets } = server();
    makeStore();
    const [first, second] = await Promise.all([store.load(), store.load()]);
    expect(first).toEqual(stored);
    expect(second).toEqual(stored);
    expect(await store.load()).toEqual(stored);
    expect(gets()).toHaveLength(1);
  });

  it('saves the whole document once, a second after the last of several changes', async () => {
    const { saves } = server();
    makeStore();
    await store.load();
    const seen: WorkspaceState[] = [];
    store.subscribe((state) => seen.push(state));
    store.update(openTab('a.py'));
    await vi.advanceTimersByTimeAsync(600);
    store.update(openTab('b.py'));
    await vi.advanceTimersByTimeAsync(900);
    expect(saves()).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(saves()).toHaveLength(1);
    const saved = saves()[0]!.body as WorkspaceState;
    expect(saved.editorGroups[0]!.tabs.map((t) => t.path)).toEqual(['main.py', 'a.py', 'b.py']);
    expect(saved.panels).toEqual({ problems: true });
    expect(seen).toHaveLength(2);
    // Nothing changed since: nothing more is sent.
    await vi.advanceTimersByTimeAsync(5000);
    await store.flush();
    expect(saves()).toHaveLength(1);
  });

  it('a change made before the state is read is applied on top of it, not instead', async () => {
    const { saves } = server();
    makeStore();
    store.update(openTab('early.py'));
    await store.load();
    expect(store.current.editorGroups[0]!.tabs.map((t) => t.path)).toEqual(['main.py', 'early.py']);
    await vi.advanceTimersByTimeAsync(1000);
    expect((saves()[0]!.body as WorkspaceState).editorGroups[0]!.active).toBe('early.py');
  });

  it.each([
    ['the page is left', () => window.dispatchEvent(new Event('pagehide'))],
    [
      'the page is hidden',
      () => {
        vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
        document.dispatchEvent(new Event('visibilitychange'));
      },
    ],
  ])(
    'when %s, what changed is saved at once, as a request that outlives the page',
    async (_, leave) => {
      const { saves } = server();
      makeStore();
      await store.load();
      leave();
      expect(saves()).toEqual([]); // nothing changed yet
      store.update(openTab('a.py'));
      leave();
      expect(saves()).toHaveLength(1);
      expect(saves()[0]!.keepalive).toBe(true);
      // The debounced save does not send it again.
      await vi.advanceTimersByTimeAsync(2000);
      expect(saves()).toHaveLength(1);
    },
  );

  it('dispose saves what is left and stops listening', async () => {
    const { saves } = server();
    makeStore();
    await store.load();
    store.update(openTab('a.py'));
    store.dispose();
    expect(saves()).toHaveLength(1);
    store.update(openTab('b.py'));
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(saves()).toHaveLength(1);
  });

  it('a state that cannot be read is never overwritten; changes still show', async () => {
    const { saves } = server({ get: 'network' });
    makeStore();
    store.update(openTab('a.py'));
    expect(await store.load()).toEqual({
      ...emptyWorkspaceState(),
      editorGroups: [{ tabs: [tab('a.py')], active: 'a.py' }],
    });
    expect(errors).toEqual([
      "The workspace's layout and tabs could not be restored: The server cannot be reached; check your connection.",
    ]);
    store.update(openTab('b.py'));
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(saves()).toEqual([]);
  });

  it('a change past the bounds is refused when it would be saved, reported, and undone', async () => {
    const { saves } = server();
    makeStore();
    await store.load();
    store.update((state) => ({ ...state, editorGroups: [{ tabs: [tab('../outside.py')] }] }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(saves()).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^A change to the workspace's layout was refused: .*invalid path/s);
    expect(store.current).toEqual(stored);
    // A valid change afterwards is saved as usual.
    store.update(openTab('a.py'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(saves()).toHaveLength(1);
  });

  it('a save that failed offline is sent again with the next flush', async () => {
    let online = false;
    const { saves } = server({ put: () => (online ? { status: 204 } : 'network') });
    makeStore();
    await store.load();
    store.update(openTab('a.py'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(saves()).toHaveLength(1);
    expect(errors).toHaveLength(1);
    online = true;
    await store.flush();
    expect(saves()).toHaveLength(2);
    expect(saves()[1]!.body).toEqual(saves()[0]!.body);
  });
});

describe('StoredRunConfigurations', () => {
  it('remembers arguments and environment per file, and forgets an empty one', async () => {
    const { saves } = server();
    makeStore();
    await store.load();
    const runs = new StoredRunConfigurations(store);
    expect(runs.get('main.py')).toEqual({ args: [], env: {} });
    runs.set('main.py', { args: ['--rows', '5'], env: { DEBUG: '1' } });
    runs.set('tools/x.py', { args: ['a'], env: {} });
    expect(runs.get('main.py')).toEqual({ args: ['--rows', '5'], env: { DEBUG: '1' } });
    await vi.advanceTimersByTimeAsync(1000);
    expect((saves()[0]!.body as WorkspaceState).runConfigurations).toEqual({
      'main.py': { args: ['--rows', '5'], env: { DEBUG: '1' } },
      'tools/x.py': { args: ['a'], env: {} },
    });
    runs.set('main.py', { args: [], env: {} });
    expect(Object.keys(store.current.runConfigurations)).toEqual(['tools/x.py']);
  });
});
