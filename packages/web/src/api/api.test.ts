import { routes } from '@workcell/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { errorReply, fakeServer } from '../ui/fakeServer';
import { api, readFile, routeUrl } from './api';
import { ApiError } from './client';

afterEach(() => vi.unstubAllGlobals());

describe('the typed API client', () => {
  it('fills the path template, encoding each segment of a file path on its own', async () => {
    const requests = fakeServer(() => ({ status: 200, body: { path: 'a b/c#.py', version: 2 } }));
    await api.writeFile({ uuid: 'w1', path: 'a b/c#.py', body: { content: 'x', baseVersion: 1 } });
    expect(requests).toEqual([
      {
        method: 'POST',
        url: '/api/workspace/w1/file/a%20b/c%23.py',
        body: { content: 'x', baseVersion: 1 },
      },
    ]);
  });

  it('sends the query, leaving out what is empty', () => {
    expect(routeUrl(routes.extractArchive, { uuid: 'w', query: { folder: 'a b/c' } })).toBe(
      '/api/workspace/w/archive?folder=a%20b%2Fc',
    );
    expect(routeUrl(routes.extractArchive, { uuid: 'w', query: { folder: '' } })).toBe(
      '/api/workspace/w/archive',
    );
    expect(routeUrl(routes.readRaw, { uuid: 'w', path: 'img/a b.png', query: { v: 3 } })).toBe(
      '/api/workspace/w/raw/img/a%20b.png?v=3',
    );
  });

  it('answers the reply, and fails with the server’s stable code', async () => {
    fakeServer((request) =>
      request.url.endsWith('/files')
        ? { status: 200, body: { files: [] } }
        : errorReply(404, 'FILE_NOT_FOUND'),
    );
    await expect(api.listFiles({ uuid: 'w' })).resolves.toEqual({ files: [] });
    await expect(readFile('w', 'gone.py')).rejects.toMatchObject({
      constructor: ApiError,
      code: 'FILE_NOT_FOUND',
    });
  });
});
