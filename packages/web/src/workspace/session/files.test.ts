import type { FileEntry } from '@workcell/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { errorReply, fakeServer } from '../../ui/fakeServer';
import { WorkspaceFiles } from './files';

const entry = (path: string, type: 'file' | 'folder' = 'file'): FileEntry => ({
  path,
  type,
  size: 1,
  version: 1,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

afterEach(() => vi.unstubAllGlobals());

describe('WorkspaceFiles', () => {
  it('moves, creates and deletes through the server, then shows the result', async () => {
    const requests = fakeServer((request) => {
      if (request.url.endsWith('/files'))
        return { status: 200, body: { files: [entry('src', 'folder'), entry('src/a.py')] } };
      if (request.url.endsWith('/move')) return { status: 200, body: entry('lib', 'folder') };
      if (request.method === 'POST')
        return { status: 201, body: { path: 'b.py', version: 1, size: 0 } };
      if (request.method === 'DELETE') return { status: 204 };
      return undefined;
    });
    const files = new WorkspaceFiles('w');
    await files.reload();
    await files.move('src', 'lib');
    await files.createFile('b.py');
    await files.remove('lib/a.py');
    expect([...files.snapshot.model.keys()].sort()).toEqual(['b.py', 'lib']);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/workspace/w/files',
      'POST /api/workspace/w/move',
      'POST /api/workspace/w/file/b.py',
      'DELETE /api/workspace/w/file/lib/a.py',
    ]);
  });

  it('tells its views once of a burst of changes, each seen at once in the snapshot', async () => {
    fakeServer((request) =>
      request.url.endsWith('/files') ? { status: 200, body: { files: [] } } : undefined,
    );
    const files = new WorkspaceFiles('w');
    await files.reload();
    await new Promise((resolve) => setTimeout(resolve));
    let notified = 0;
    files.subscribe(() => notified++);
    for (let n = 0; n < 200; n++) {
      files.apply([{ path: `out/${n}.csv`, kind: 'file', version: 1 }]);
      expect(files.snapshot.model.has(`out/${n}.csv`)).toBe(true);
    }
    expect(notified).toBe(0);
    await new Promise((resolve) => setTimeout(resolve));
    expect(notified).toBe(1);
    expect(files.snapshot.model.size).toBe(201);
    files.dispose();
  });

  it('keeps a listing on screen when a refresh fails, and says why', async () => {
    let fail = false;
    fakeServer(() =>
      fail
        ? errorReply(500, 'INTERNAL', 'Boom.')
        : { status: 200, body: { files: [entry('a.py')] } },
    );
    const files = new WorkspaceFiles('w');
    await files.reload();
    const failed = vi.fn();
    files.onRefreshFailed(failed);
    fail = true;
    await expect(files.reload()).rejects.toThrow('Boom.');
    expect(files.snapshot.status).toBe('ready');
    expect([...files.snapshot.model.keys()]).toEqual(['a.py']);
    expect(failed).toHaveBeenCalledWith('Boom.');
  });

  it('shows the failure when the first listing fails, and loads again on retry', async () => {
    let fail = true;
    fakeServer(() =>
      fail ? errorReply(500, 'INTERNAL', 'Boom.') : { status: 200, body: { files: [] } },
    );
    const files = new WorkspaceFiles('w');
    await expect(files.reload()).rejects.toThrow('Boom.');
    expect(files.snapshot).toMatchObject({ status: 'error', message: 'Boom.' });
    fail = false;
    const retry = files.reload();
    expect(files.snapshot.status).toBe('loading');
    await retry;
    expect(files.snapshot.status).toBe('ready');
  });
});
