import type { FileEntry } from '@workcell/protocol';
import { waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fakeServer, type FakeRequest } from '../../ui/fakeServer';
import { OpenDocs } from '../editor/docs';
import { fakeSocket } from './fakeSocket';
import { WorkspaceSession } from './WorkspaceSession';

vi.mock('../editor/monaco', () => import('../editor/fakeMonaco'));

const workspace = '11111111-2222-3333-4444-555555555555';
const entry = (path: string): FileEntry => ({
  path,
  type: 'file',
  size: 1,
  version: 1,
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const change = { type: 'file.changed', workspace, version: 2, source: 'terminal' } as const;

function open(files: FileEntry[] = [entry('main.py')]) {
  const requests = fakeServer((request) => {
    if (request.url.endsWith('/files')) return { status: 200, body: { files } };
    if (request.url.endsWith('/start'))
      return { status: 200, body: { state: 'ready', reason: null, python: '3.12' } };
    return undefined;
  });
  const fake = fakeSocket();
  const session = new WorkspaceSession(workspace, fake.socket);
  return { ...fake, session, requests };
}

const listings = (requests: FakeRequest[]) => requests.filter((r) => r.url.endsWith('/files'));

afterEach(() => vi.unstubAllGlobals());

describe('WorkspaceSession', () => {
  it('lists the files once on open, even when the socket connects meanwhile', async () => {
    const { session, requests, open: connect, sent } = open();
    connect();
    const model = await session.files.current();
    expect([...model.keys()]).toEqual(['main.py']);
    expect(listings(requests)).toHaveLength(1);
    expect(sent).toEqual([{ type: 'workspace.watch', workspace }]);
    session.dispose();
  });

  it('keeps the file list current from file.changed, and tells each listener once', async () => {
    const { session, emit } = open();
    await session.files.current();
    const heard = vi.fn();
    session.onFileChanged(heard);
    emit({ ...change, path: 'data/new.csv', kind: 'file' });
    emit({ ...change, path: 'main.py', kind: 'file', deleted: true });
    emit({ ...change, path: 'elsewhere.py', kind: 'file', workspace: 'other' });
    expect([...session.files.snapshot.model.keys()].sort()).toEqual(['data', 'data/new.csv']);
    expect(heard).toHaveBeenCalledTimes(2);
    session.dispose();
  });

  it('starts the cell on each connection and follows cell.status', async () => {
    const { session, open: connect, emit } = open();
    connect();
    await waitFor(() => expect(session.cell).toEqual({ state: 'ready', python: '3.12' }));
    emit({ type: 'cell.status', workspace, state: 'stopped', reason: 'idle' });
    expect(session.cell).toMatchObject({ state: 'stopped', reason: 'idle', python: '3.12' });
    session.dispose();
  });

  it('lists again after a reconnection, and checks the open documents against it', async () => {
    const { session, requests, open: connect } = open();
    await session.files.current();
    const docs = session.openDocuments(OpenDocs);
    const recheck = vi.spyOn(docs, 'recheckAll');
    connect();
    connect();
    expect(recheck).toHaveBeenCalledTimes(2);
    await session.files.current();
    expect(listings(requests)).toHaveLength(3);
    session.dispose();
  });

  it('opens the documents once, tells them each file change once, and disposes them', async () => {
    const { session, emit } = open();
    const docs = session.openDocuments(OpenDocs);
    expect(session.openDocuments(OpenDocs)).toBe(docs);
    const changed = vi.spyOn(docs, 'fileChanged');
    const disposed = vi.spyOn(docs, 'dispose');
    session.onFileChanged(() => undefined);
    emit({ ...change, path: 'main.py', kind: 'file' });
    emit({ ...change, path: 'data', kind: 'folder' });
    expect(changed).toHaveBeenCalledOnce();
    session.dispose();
    expect(disposed).toHaveBeenCalledOnce();
    // Disposed documents open nothing more.
    docs.open('main.py');
    expect(docs.paths()).toEqual([]);
    await Promise.resolve();
  });

  it('removes every listener when disposed', async () => {
    const { session, listeners, emit } = open();
    expect(listeners()).toBe(2);
    const heard = vi.fn();
    session.onFileChanged(heard);
    const cell = vi.fn();
    session.subscribeCell(cell);
    session.dispose();
    expect(listeners()).toBe(0);
    emit({ ...change, path: 'late.py', kind: 'file' });
    expect(heard).not.toHaveBeenCalled();
    expect(cell).not.toHaveBeenCalled();
    await Promise.resolve();
  });
});
