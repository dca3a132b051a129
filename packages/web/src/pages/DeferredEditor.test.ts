import { describe, expect, it, vi } from 'vitest';

import type { EditorHandle } from '../workspace/contracts';
import { DeferredEditor } from './DeferredEditor';

function fakeEditor() {
  return {
    open: vi.fn<(path: string) => void>(),
    openAt: vi.fn<(path: string, line: number, column?: number) => void>(),
    saveAll: vi.fn(() => Promise.resolve()),
    split: vi.fn(),
    moveEditor: vi.fn(),
    compareActive: vi.fn(),
    compare: vi.fn(),
    runEditorAction: vi.fn(),
    focus: vi.fn(),
  } satisfies EditorHandle;
}

describe('DeferredEditor', () => {
  it('opens the files asked for before the editor arrived, in order, once it does', () => {
    const deferred = new DeferredEditor();
    deferred.open('main.py');
    deferred.open('data/a.csv');
    deferred.openAt('pkg/x.py', 12, 5);
    deferred.compare('a.py', 'b.py');
    const editor = fakeEditor();
    deferred.attach(editor);
    expect(editor.open.mock.calls).toEqual([['main.py'], ['data/a.csv']]);
    expect(editor.openAt).toHaveBeenCalledWith('pkg/x.py', 12, 5);
    expect(editor.compare).toHaveBeenCalledWith('a.py', 'b.py');
    deferred.open('b.py');
    expect(editor.open).toHaveBeenLastCalledWith('b.py');
    // A later editor (remounted) gets only what is asked of it from then on.
    const next = fakeEditor();
    deferred.attach(null);
    deferred.attach(next);
    expect(next.open).not.toHaveBeenCalled();
  });

  it('calls the newest handle once the area has replaced it', async () => {
    const deferred = new DeferredEditor();
    const first = fakeEditor();
    deferred.attach(first);
    const next = fakeEditor();
    deferred.attach(null);
    deferred.attach(next);
    deferred.split();
    deferred.runEditorAction('editor.action.quickOutline');
    await deferred.saveAll();
    expect(next.split).toHaveBeenCalledOnce();
    expect(next.runEditorAction).toHaveBeenCalledWith('editor.action.quickOutline');
    expect(next.saveAll).toHaveBeenCalledOnce();
    expect(first.split).not.toHaveBeenCalled();
    expect(first.saveAll).not.toHaveBeenCalled();
  });

  it('has nothing to save before the editor arrives, and saves through it after', async () => {
    const deferred = new DeferredEditor();
    await expect(deferred.saveAll()).resolves.toBeUndefined();
    deferred.focus();
    const editor = fakeEditor();
    deferred.attach(editor);
    await deferred.saveAll();
    deferred.focus();
    expect(editor.saveAll).toHaveBeenCalledOnce();
    expect(editor.focus).toHaveBeenCalledOnce();
  });
});
