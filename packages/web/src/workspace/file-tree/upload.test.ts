import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { uploadFiles, type UploadHooks } from './upload';

const workspace = 'w-1';
interface Call {
  method: string;
  url: string;
  ifMatch: string | null;
  contentType: string | null;
}
let calls: Call[];
/** Answers per request, in order; the default is a 201 for a written file. */
let answers: Array<{ status: number; body: unknown }>;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

beforeEach(() => {
  calls = [];
  answers = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      calls.push({
        method: init.method ?? 'GET',
        url,
        ifMatch: headers.get('if-match'),
        contentType: headers.get('content-type'),
      });
      const answer = answers.shift();
      if (answer) return json(answer.status, answer.body);
      const path = decodeURIComponent(url.replace(`/api/workspace/${workspace}/raw/`, ''));
      return json(201, { path, version: 1, size: 1, updatedAt: '2026-01-01T00:00:00.000Z' });
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

const file = (name: string, type = 'text/plain') => new File(['data'], name, { type });
const exists = (version: number) => ({
  status: 412,
  body: {
    error: { code: 'PRECONDITION_FAILED', message: 'exists' },
    current: {
      path: 'x',
      content: '',
      encoding: 'utf-8',
      version,
      size: 1,
      sha256: '',
      updatedAt: '',
    },
  },
});

function hooks(overrides: Partial<UploadHooks> = {}) {
  return {
    knownVersion: () => undefined,
    askReplace: vi.fn(async () => 'replace' as const),
    askZip: vi.fn(async () => 'extract' as const),
    onProgress: vi.fn(),
    onWritten: vi.fn(),
    ...overrides,
  };
}

describe('uploading files', () => {
  it('creates each file with If-Match "0" in the target folder', async () => {
    const h = hooks();
    const result = await uploadFiles(
      workspace,
      'data',
      [{ file: file('a b.csv'), path: 'a b.csv' }],
      h,
    );
    expect(result).toEqual({ uploaded: 1, errors: [] });
    expect(calls).toEqual([
      {
        method: 'PUT',
        url: `/api/workspace/${workspace}/raw/data/a%20b.csv`,
        ifMatch: '"0"',
        contentType: 'text/plain',
      },
    ]);
    expect(h.onWritten).toHaveBeenCalledWith([{ path: 'data/a b.csv', kind: 'file', version: 1 }]);
    expect(h.askReplace).not.toHaveBeenCalled();
  });

  it('asks before replacing a file the server has, then replaces that version', async () => {
    answers = [exists(7)];
    const h = hooks();
    await uploadFiles(workspace, '', [{ file: file('x.py'), path: 'x.py' }], h);
    expect(h.askReplace).toHaveBeenCalledWith('x.py');
    expect(calls.map((call) => call.ifMatch)).toEqual(['"0"', '"7"']);
  });

  it('asks first, without a failing request, when the tree already shows the file', async () => {
    const h = hooks({ knownVersion: (path) => (path === 'x.py' ? 3 : undefined) });
    await uploadFiles(workspace, '', [{ file: file('x.py'), path: 'x.py' }], h);
    expect(h.askReplace).toHaveBeenCalledOnce();
    expect(calls.map((call) => call.ifMatch)).toEqual(['"3"']);
  });

  it('skips a file on Skip, and stops asking after Replace all', async () => {
    const written = { status: 200, body: { path: 'b', version: 5, size: 1, updatedAt: '' } };
    answers = [exists(2), exists(4), written, exists(5)];
    const askReplace = vi
      .fn<UploadHooks['askReplace']>()
      .mockResolvedValueOnce('skip')
      .mockResolvedValueOnce('replace-all');
    const items = ['a', 'b', 'c'].map((name) => ({ file: file(name), path: name }));
    const result = await uploadFiles(workspace, '', items, hooks({ askReplace }));
    expect(askReplace).toHaveBeenCalledTimes(2);
    expect(calls.map((call) => `${call.url.slice(-1)}${call.ifMatch}`)).toEqual([
      'a"0"',
      'b"0"',
      'b"4"',
      'c"0"',
      'c"5"',
    ]);
    expect(result.uploaded).toBe(2);
  });

  it("reports the server's message for a file too large or a full workspace, and goes on", async () => {
    answers = [
      {
        status: 413,
        body: { error: { code: 'FILE_TOO_LARGE', message: 'Files are limited to 10 MiB.' } },
      },
    ];
    const items = [file('big.bin'), file('small.txt')].map((f) => ({ file: f, path: f.name }));
    const result = await uploadFiles(workspace, '', items, hooks());
    expect(result).toEqual({ uploaded: 1, errors: ['big.bin: Files are limited to 10 MiB.'] });
  });

  it('refuses names the workspace does not allow before sending anything', async () => {
    const result = await uploadFiles(
      workspace,
      '',
      [{ file: file('x'), path: 'a\u0001b' }],
      hooks(),
    );
    expect(result.errors[0]).toMatch(/control character/);
    expect(calls).toEqual([]);
  });

  it('extracts a zip into the folder when asked to, or uploads it as a file', async () => {
    answers = [
      {
        status: 200,
        body: {
          files: [{ path: 'data/pkg/a.py', type: 'file', size: 1, version: 1, updatedAt: '' }],
        },
      },
    ];
    const zip = file('bundle.zip', 'application/zip');
    const h = hooks();
    await uploadFiles(workspace, 'data', [{ file: zip, path: 'bundle.zip' }], h);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: `/api/workspace/${workspace}/archive?folder=data`,
      contentType: 'application/zip',
    });
    expect(h.onWritten).toHaveBeenCalledWith([{ path: 'data/pkg/a.py', kind: 'file', version: 1 }]);

    calls = [];
    await uploadFiles(
      workspace,
      '',
      [{ file: zip, path: 'bundle.zip' }],
      hooks({ askZip: async () => 'file' }),
    );
    expect(calls.map((call) => [call.method, call.url])).toEqual([
      ['PUT', `/api/workspace/${workspace}/raw/bundle.zip`],
    ]);
  });
});
