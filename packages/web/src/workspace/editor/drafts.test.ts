import { beforeEach, describe, expect, it } from 'vitest';

import { DraftStore } from './drafts';

beforeEach(() => localStorage.clear());

describe('DraftStore', () => {
  it('keeps a draft per workspace and file until it is removed', () => {
    const one = new DraftStore(localStorage, 'ws-1', () => 1000);
    const two = new DraftStore(localStorage, 'ws-2', () => 2000);
    one.put('src/a.py', 'print(1)', 3);
    two.put('src/a.py', 'print(2)', 5);
    // A fresh store (after a reload) reads what the old one wrote.
    expect(new DraftStore(localStorage, 'ws-1').get('src/a.py')).toEqual({
      content: 'print(1)',
      baseVersion: 3,
      savedAt: 1000,
    });
    expect(two.get('src/a.py')?.content).toBe('print(2)');
    expect(one.paths()).toEqual(['src/a.py']);

    one.remove('src/a.py');
    expect(one.get('src/a.py')).toBeUndefined();
    expect(two.get('src/a.py')).toBeDefined();
  });

  it('follows a rename', () => {
    const store = new DraftStore(localStorage, 'ws');
    store.put('old.py', 'x = 1', 2);
    store.move('old.py', 'new/name.py');
    expect(store.get('old.py')).toBeUndefined();
    expect(store.get('new/name.py')).toMatchObject({ content: 'x = 1', baseVersion: 2 });
  });

  it('ignores damaged entries and reports a full storage instead of throwing', () => {
    localStorage.setItem('workcell.draft.ws:bad.py', '{not json');
    const store = new DraftStore(localStorage, 'ws');
    expect(store.get('bad.py')).toBeUndefined();

    const full = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      removeItem: () => undefined,
      key: () => null,
      length: 0,
      clear: () => undefined,
    } satisfies Storage;
    expect(new DraftStore(full, 'ws').put('a.py', 'x', 1)).toBe(false);
  });
});
