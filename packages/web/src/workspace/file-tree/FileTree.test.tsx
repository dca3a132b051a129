import type { FileEntry } from '@workcell/protocol';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { SessionContext } from '../session/context';
import { fakeSocket } from '../session/fakeSocket';
import { WorkspaceSession } from '../session/WorkspaceSession';
import { FileTree } from './FileTree';

const workspace = '11111111-2222-3333-4444-555555555555';

const entry = (path: string, type: 'file' | 'folder' = 'file'): FileEntry => ({
  path,
  type,
  size: 1,
  version: 1,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

let files: FileEntry[];
const fetchMock = vi.fn(async (input: string) => {
  if (input.endsWith('/files'))
    return new Response(JSON.stringify({ files }), {
      headers: { 'content-type': 'application/json' },
    });
  return new Response('{}', { status: 404, headers: { 'content-type': 'application/json' } });
});

beforeEach(() => {
  localStorage.clear();
  files = [
    entry('src', 'folder'),
    entry('src/main.py'),
    entry('src/util/io.py'),
    entry('README.md'),
  ];
  fetchMock.mockClear();
  vi.stubGlobal('fetch', fetchMock);
});
const sessions: WorkspaceSession[] = [];
afterEach(() => {
  cleanup();
  for (const session of sessions.splice(0)) session.dispose();
  vi.unstubAllGlobals();
});

function renderTree(activePath?: string, onCompare?: (left: string, right: string) => void) {
  const fake = fakeSocket();
  const onOpenFile = vi.fn();
  const session = new WorkspaceSession(workspace, fake.socket);
  sessions.push(session);
  const view = render(
    <SessionContext value={session}>
      <FileTree
        ref={null}
        workspace={workspace}
        activePath={activePath}
        onOpenFile={onOpenFile}
        {...(onCompare && { onCompare })}
      />
    </SessionContext>,
  );
  return { ...fake, onOpenFile, view };
}

const item = (name: string) => screen.getByRole('treeitem', { name });

describe('FileTree', () => {
  it('shows the listing with folders first and expands a folder by keyboard', async () => {
    renderTree();
    await screen.findByRole('tree', { name: 'Files' });
    expect(screen.getAllByRole('treeitem').map((row) => row.getAttribute('aria-label'))).toEqual([
      'src',
      'README.md',
    ]);
    const src = item('src');
    expect(src.getAttribute('aria-expanded')).toBe('false');
    expect(src.tabIndex).toBe(0);
    src.focus();
    fireEvent.keyDown(src, { key: 'ArrowRight' });
    expect(item('src').getAttribute('aria-expanded')).toBe('true');
    expect(screen.getAllByRole('treeitem').map((row) => row.getAttribute('aria-label'))).toEqual([
      'src',
      'util',
      'main.py',
      'README.md',
    ]);
    fireEvent.keyDown(item('src'), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(item('util'));
    expect(item('util').getAttribute('aria-level')).toBe('2');
    expect(item('util').getAttribute('aria-selected')).toBe('true');
  });

  it('opens a file with Enter and remembers open folders for the workspace', async () => {
    const first = renderTree();
    await screen.findByRole('tree');
    fireEvent.keyDown(item('src'), { key: 'ArrowRight' });
    fireEvent.keyDown(item('src'), { key: 'End' });
    expect(document.activeElement).toBe(item('README.md'));
    fireEvent.keyDown(item('README.md'), { key: 'Enter' });
    expect(first.onOpenFile).toHaveBeenCalledWith('README.md');
    cleanup();

    renderTree();
    await screen.findByRole('tree');
    expect(item('src').getAttribute('aria-expanded')).toBe('true');
  });

  it('applies file.changed events live without refetching', async () => {
    const { emit } = renderTree();
    await screen.findByRole('tree');
    const base = { type: 'file.changed', workspace, version: 1, source: 'terminal' } as const;
    emit({ ...base, path: 'data/raw/sales.csv', kind: 'file' });
    // The tree shows a burst of changes together, once the queued messages are handled.
    await waitFor(() => expect(item('data').getAttribute('aria-expanded')).toBe('false'));
    emit({ ...base, path: 'README.md', kind: 'file', deleted: true });
    await waitFor(() => expect(screen.queryByRole('treeitem', { name: 'README.md' })).toBeNull());
    emit({ ...base, path: 'other-workspace.py', kind: 'file', workspace: 'elsewhere' });
    expect(screen.queryByRole('treeitem', { name: 'other-workspace.py' })).toBeNull();
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('refetches the listing when the socket reconnects', async () => {
    const { open } = renderTree();
    await screen.findByRole('tree');
    files = [...files, entry('new.py')];
    open();
    await screen.findByRole('treeitem', { name: 'new.py' });
    const listings = fetchMock.mock.calls.filter(([url]) => url.endsWith('/files'));
    expect(listings).toHaveLength(2);
  });

  it('reveals the active editor file by opening its folders', async () => {
    renderTree('src/util/io.py');
    const io = await screen.findByRole('treeitem', { name: 'io.py' });
    expect(io.getAttribute('aria-current')).toBe('true');
    expect(io.getAttribute('aria-selected')).toBe('true');
  });

  it('compares a file selected for compare with another, or two selected files', async () => {
    files = [entry('a.py'), entry('b.py'), entry('c.py')];
    const onCompare = vi.fn();
    renderTree(undefined, onCompare);
    await screen.findByRole('tree');
    const choose = (row: string, action: string) => {
      fireEvent.contextMenu(item(row));
      fireEvent.click(screen.getByRole('menuitem', { name: action }));
    };
    const offered = (row: string) => {
      fireEvent.contextMenu(item(row));
      const labels = screen.getAllByRole('menuitem').map((menuItem) => menuItem.textContent);
      fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' });
      return labels;
    };

    expect(offered('b.py')).not.toContain('Compare with Selected');
    choose('a.py', 'Select for Compare');
    // Not with itself.
    expect(offered('a.py')).not.toContain('Compare with Selected');
    choose('b.py', 'Compare with Selected');
    expect(onCompare).toHaveBeenLastCalledWith('a.py', 'b.py');

    const row = (name: string) => item(name).querySelector('.tree-row')!;
    fireEvent.click(row('c.py'));
    fireEvent.click(row('a.py'), { ctrlKey: true });
    choose('a.py', 'Compare Selected');
    expect(onCompare).toHaveBeenLastCalledWith('c.py', 'a.py');
  });

  it('offers no comparing where the page cannot show a comparison', async () => {
    renderTree();
    await screen.findByRole('tree');
    fireEvent.contextMenu(item('README.md'));
    const labels = screen.getAllByRole('menuitem').map((menuItem) => menuItem.textContent);
    expect(labels.filter((label) => label?.includes('Compare'))).toEqual([]);
  });

  it('says when there are no files, and offers Retry when loading failed', async () => {
    files = [];
    renderTree();
    await screen.findByText('No files yet');
    cleanup();

    fetchMock.mockImplementationOnce(
      async () =>
        new Response(JSON.stringify({ error: { code: 'INTERNAL', message: 'Boom.' } }), {
          status: 500,
          headers: { 'content-type': 'application/json' },
        }),
    );
    files = [entry('a.py')];
    renderTree();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Boom.');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByRole('treeitem', { name: 'a.py' });
  });
});
