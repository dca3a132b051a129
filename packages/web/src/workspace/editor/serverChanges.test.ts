import type { FileContent } from '@workcell/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { fakeServer, type FakeRequest } from '../../ui/fakeServer';
import { OpenDocs } from './docs';
import type { FakeModel } from './fakeMonaco';

vi.mock('./monaco', () => import('./fakeMonaco'));

const workspace = 'w';

/** The server's files: path → content and version; writes bump the version. */
function server(files: Record<string, { content: string; version: number }>) {
  const requests = fakeServer((request) => {
    const path = decodeURIComponent(request.url.split('/file/')[1] ?? '');
    const file = files[path];
    if (request.method === 'GET' && file) return { status: 200, body: content(path, file) };
    if (request.method === 'POST' && request.url.includes('/file/')) {
      const body = request.body as { content: string };
      files[path] = { content: body.content, version: (file?.version ?? 0) + 1 };
      return { status: 200, body: written(path, files[path]) };
    }
    return undefined;
  });
  return { files, requests };
}

const content = (path: string, file: { content: string; version: number }): FileContent => ({
  path,
  content: file.content,
  encoding: 'utf-8',
  version: file.version,
  size: file.content.length,
  sha256: 'x',
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const written = (path: string, file: { content: string; version: number }) => ({
  path,
  version: file.version,
  size: file.content.length,
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const writes = (requests: FakeRequest[]) => requests.filter((r) => r.method === 'POST');

let docs: OpenDocs;

async function opened(path: string) {
  docs = new OpenDocs({ workspace, storage: localStorage, fileVersions: async () => new Map() });
  // Saving is what the user does here, not a timer.
  docs.configure({ autosave: false, tabSize: 4 });
  docs.open(path);
  await vi.waitFor(() => expect(docs.view(path)?.loading).toBe(false));
  return docs.model(path) as unknown as FakeModel;
}

beforeEach(() => localStorage.clear());
afterEach(() => {
  docs.dispose();
  vi.unstubAllGlobals();
});

describe('a change on the server to an open file', () => {
  it('a clean tab follows it quietly', async () => {
    const { files } = server({ 'a.py': { content: 'one', version: 1 } });
    const model = await opened('a.py');
    files['a.py'] = { content: 'two', version: 2 };
    docs.fileChanged({ path: 'a.py', version: 2 });
    await vi.waitFor(() => expect(model.getValue()).toBe('two'));
    expect(docs.view('a.py')).toMatchObject({ dirty: false, save: 'saved', version: 2 });
  });

  it('a tab with unsaved edits keeps them and asks; keep mine saves over the new copy', async () => {
    const { files, requests } = server({ 'a.py': { content: 'one', version: 1 } });
    const model = await opened('a.py');
    model.setValue('mine');
    files['a.py'] = { content: 'theirs', version: 2 };
    docs.fileChanged({ path: 'a.py', version: 2 });
    await vi.waitFor(() => expect(docs.view('a.py')?.pending?.kind).toBe('changed'));
    expect(model.getValue()).toBe('mine');
    expect(docs.view('a.py')?.dirty).toBe(true);

    docs.keepMine('a.py');
    await vi.waitFor(() => expect(docs.view('a.py')?.save).toBe('saved'));
    expect(writes(requests).map((r) => r.body)).toEqual([{ content: 'mine', baseVersion: 2 }]);
    expect(docs.view('a.py')?.pending).toBeUndefined();
  });

  it('take theirs replaces the unsaved edits with the server copy', async () => {
    const { files, requests } = server({ 'a.py': { content: 'one', version: 1 } });
    const model = await opened('a.py');
    model.setValue('mine');
    files['a.py'] = { content: 'theirs', version: 2 };
    docs.fileChanged({ path: 'a.py', version: 2 });
    await vi.waitFor(() => expect(docs.view('a.py')?.pending).toBeDefined());
    docs.takeTheirs('a.py');
    expect(model.getValue()).toBe('theirs');
    expect(docs.view('a.py')).toMatchObject({ dirty: false, pending: undefined, version: 2 });
    expect(writes(requests)).toEqual([]);
  });

  it('a deleted file keeps its text, and saving recreates it', async () => {
    const { requests } = server({ 'a.py': { content: 'one', version: 1 } });
    const model = await opened('a.py');
    docs.fileChanged({ path: 'a.py', version: 0, deleted: true });
    expect(docs.view('a.py')).toMatchObject({ deletedOnDisk: true, save: 'dirty' });
    expect(model.getValue()).toBe('one');
    await docs.recreate('a.py');
    expect(writes(requests).map((r) => r.body)).toEqual([{ content: 'one', baseVersion: 0 }]);
    expect(docs.view('a.py')?.deletedOnDisk).toBe(false);
  });

  it('a rename moves the tab, its unsaved edits and its model to the new path', async () => {
    server({ 'a.py': { content: 'one', version: 1 } });
    const model = await opened('a.py');
    const moves = vi.fn();
    docs.onMoved(moves);
    model.setValue('edited');
    docs.fileChanged({ path: 'src/b.py', version: 3, movedFrom: 'a.py' });

    expect(docs.paths()).toEqual(['src/b.py']);
    expect(moves).toHaveBeenCalledWith({ from: 'a.py', to: 'src/b.py' });
    const moved = docs.model('src/b.py') as unknown as FakeModel;
    expect(moved.uri).toBe('file:///workspace/src/b.py');
    expect(moved.getValue()).toBe('edited');
    expect(model.isDisposed()).toBe(true);
    expect(docs.view('src/b.py')).toMatchObject({ dirty: true, version: 3 });
  });
});
