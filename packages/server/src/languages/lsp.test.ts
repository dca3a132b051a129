/**
 * The Python language server end to end: a listening server, a real cell, the real pyright
 * running in it, and a client speaking to the LSP route as Monaco does. One socket serves
 * most tests (pyright's cold start is the cost); each uses its own file.
 */
import { SIGNED_OUT_CLOSE_CODE } from '@workcell/protocol';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { LspClient } from '../test-support/lsp-client';

let server: LiveServer;
let user: LiveUser;
let workspace: string;
let client: LspClient;

interface CompletionList {
  items: { label: string }[];
}
const labels = (result: unknown) =>
  (Array.isArray(result) ? result : (result as CompletionList).items).map(
    (item: { label: string }) => item.label,
  );
const sourceUrl = (path: string) =>
  `/api/workspace/${workspace}/lsp/source?path=${encodeURIComponent(path)}`;
const librarySource = (as: LiveUser, path: string) => server.api(as, 'GET', sourceUrl(path));
const isUndefined = (name: string) => (d: { message: string }) =>
  d.message === `"${name}" is not defined`;

beforeAll(async () => {
  server = await startLiveServer('lsp');
  user = await server.registerUser('lsp');
  workspace = await server.createWorkspace(user);
  client = await LspClient.connect(server, user, workspace);
  const init = await client.initialize();
  expect(init.capabilities).toHaveProperty('completionProvider');
}, 120_000);

afterAll(async () => {
  await client?.close();
  await server?.close();
});

describe('the Python language server', () => {
  it('reports starting then ready, and its diagnostics name the client’s URIs', async () => {
    const states = client.notifications
      .filter((n) => n.method === '$/workcell/status')
      .map((n) => n.params.state);
    expect(states[0]).toBe('starting');
    expect(states).toContain('ready');
    const uri = client.open('diag.py', 'print(undefined_name)\n');
    const diagnostics = await client.diagnostics(
      uri,
      (d) => d.some(isUndefined('undefined_name')),
      'the diagnostic',
    );
    expect(diagnostics.find(isUndefined('undefined_name'))!.range.start).toEqual({
      line: 0,
      character: 6,
    });
    // Fixed (a ranged change, as Monaco sends): the diagnostic goes.
    client.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          text: 'undefined_name = 1\n',
        },
      ],
    });
    await client.diagnostics(
      uri,
      (d) => !d.some(isUndefined('undefined_name')),
      'the diagnostic to go',
    );
  });

  it('completes os.pa with path', async () => {
    const uri = client.open('complete_os.py', 'import os\nos.pa');
    const result = await client.request('textDocument/completion', {
      textDocument: { uri },
      position: { line: 1, character: 5 },
    });
    expect(labels(result)).toContain('path');
  });

  it('completes np. with array, from the cell’s numpy', async () => {
    const uri = client.open('complete_np.py', 'import numpy as np\nnp.');
    const result = await client.request('textDocument/completion', {
      textDocument: { uri },
      position: { line: 1, character: 3 },
    });
    expect(labels(result)).toContain('array');
  });

  it('hovers a function with its signature, and goes to its definition', async () => {
    const text =
      'def greet(name: str, times: int = 1) -> str:\n    return name * times\n\n\ngreet("a")\n';
    const uri = client.open('defs.py', text);
    const hover = (await client.request('textDocument/hover', {
      textDocument: { uri },
      position: { line: 4, character: 2 },
    })) as { contents: { value: string } };
    // pyright breaks long signatures over lines.
    expect(hover.contents.value).toMatch(/def greet\(\s*name: str,\s*times: int = 1\s*\) -> str/);
    const definition = (await client.request('textDocument/definition', {
      textDocument: { uri },
      position: { line: 4, character: 2 },
    })) as { uri: string; range: { start: { line: number } } }[];
    expect(definition[0]).toMatchObject({ uri, range: { start: { line: 0 } } });
  });

  it('goes to os.path.join in typeshed, whose stub the source route serves read-only', async () => {
    const uri = client.open('lib_def.py', 'import os\nos.path.join("a", "b")\n');
    const definition = (await client.request('textDocument/definition', {
      textDocument: { uri },
      position: { line: 1, character: 9 },
    })) as { uri: string; range: { start: { line: number } } }[];
    const target = definition.find((d) => d.uri.endsWith('.pyi'))!;
    expect(target.uri).toMatch(
      /^file:\/\/\/opt\/pyright\/dist\/typeshed-fallback\/stdlib\/.*path\.pyi$/,
    );
    const path = new URL(target.uri).pathname;
    const source = await librarySource(user, path);
    expect(source.status).toBe(200);
    const { content } = source.json as { content: string };
    expect(content.split('\n')[target.range.start.line]).toContain('def join');

    // Another user's workspace: 404, before the path is looked at.
    const other = await server.registerUser('lsp-source-other');
    const foreign = await server.api(other, 'GET', sourceUrl(path));
    expect(foreign.status).toBe(404);
    expect(foreign.json).toMatchObject({ error: { code: 'WORKSPACE_NOT_FOUND' } });
  });

  it('refuses a path outside the library roots, or not normalised, or not Python', async () => {
    for (const path of [
      '/etc/passwd',
      '/workspace/lib_def.py',
      '/app/lib_def.py',
      '/usr/lib/python3.11/../../../etc/passwd.py',
      '/opt/pyright/dist/typeshed-fallback/stdlib/VERSIONS',
      '/opt/pyright/package.json',
    ]) {
      const refused = await librarySource(user, path);
      expect({ path, status: refused.status, json: refused.json }).toMatchObject({
        path,
        status: 403,
        json: { error: { code: 'LIBRARY_PATH_FORBIDDEN' } },
      });
    }
    const missing = await librarySource(user, '/usr/lib/python3/dist-packages/nothing_here.py');
    expect(missing.json).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } });
  });

  it('finds references in files made after it started (the cell’s watch tells it), and renames no library name', async () => {
    // On disk in the cell, as the editor's saves put it: pyright finds unopened users there.
    const cell = server.services.cells.get(workspace)!;
    await cell.sync.flush();
    const helpers = 'def salute(name):\n    return "hi " + name\n';
    await server.api(user, 'POST', `/api/workspace/${workspace}/file/helpers.py`, {
      content: helpers,
    });
    await server.api(user, 'POST', `/api/workspace/${workspace}/file/other_user.py`, {
      content: 'from helpers import salute\n\nsalute("b")\n',
    });
    await server.services.cells.get(workspace)!.sync.flush();
    const text = 'import os\nfrom helpers import salute\n\nprint(salute("a"), os.path.join("a"))\n';
    const uri = client.open('renamer.py', text);
    // Made after pyright started: it learns of them from the cell's watch, soon.
    const referencing = async () => {
      const references = (await client.request('textDocument/references', {
        textDocument: { uri },
        position: { line: 3, character: 7 },
        context: { includeDeclaration: true },
      })) as { uri: string }[] | null;
      return new Set((references ?? []).map((r) => r.uri.replace('file:///workspace/', '')));
    };
    await expect
      .poll(referencing, { timeout: 30_000 })
      .toEqual(new Set(['helpers.py', 'renamer.py', 'other_user.py']));
    // os.path.join: pyright will not rename it (the browser says why: monacoLsp.ts).
    const library = await client.request('textDocument/prepareRename', {
      textDocument: { uri },
      position: { line: 3, character: 29 },
    });
    expect(library).toBeNull();
  });

  it('refuses malformed and oversize messages without breaking', async () => {
    client.sendRaw('not json');
    client.sendRaw({ jsonrpc: '1.0', id: 99, method: 'x' });
    await client.waitFor(
      (n) =>
        n.method === '(response)' && (n.params.error as { code: number })?.code === -32600
          ? true
          : undefined,
      'the invalid-request error',
    );
    expect(
      client.notifications.some(
        (n) => (n.params.error as { code: number } | undefined)?.code === -32700,
      ),
    ).toBe(true);
    // Still working.
    const uri = client.open('after.py', 'import os\nos.pa');
    const result = await client.request('textDocument/completion', {
      textDocument: { uri },
      position: { line: 1, character: 5 },
    });
    expect(labels(result)).toContain('path');

    // (A second socket would take the workspace's one server over: the oversize goes here.)
    client.sendRaw('x'.repeat(4 * 1024 * 1024 + 1));
    expect((await client.closed).code).toBe(1009);
    client = await LspClient.connect(server, user, workspace);
    await client.initialize();
  });

  it('closes only the socket that sent a message nested 5,000 deep; the server and other sockets carry on', async () => {
    // A second workspace: its socket is the hostile one, this file's client a bystander.
    const hostile = await LspClient.connect(server, user, await server.createWorkspace(user));
    const params = '['.repeat(5000) + ']'.repeat(5000);
    hostile.socket.send(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":${params}}`);
    expect(await hostile.closed).toEqual({
      code: 1008,
      reason: 'JSON nested deeper than 64 levels is refused.',
    });
    expect((await server.api(user, 'GET', '/api/health')).status).toBe(200);
    const uri = client.open('bystander.py', 'import os\nos.pa');
    const result = await client.request('textDocument/completion', {
      textDocument: { uri },
      position: { line: 1, character: 5 },
    });
    expect(labels(result)).toContain('path');
  });

  it('closes a signed-out session’s socket within a second with the signed-out code; the user’s other session carries on', async () => {
    const login = await server.api(user, 'POST', '/api/users/login', {
      username: user.username,
      password: 'correct horse battery',
    });
    const session = { ...user, token: (login.json as { token: string }).token };
    // Another workspace: a second socket on this one would take its server from `client`.
    const leaving = await LspClient.connect(server, session, await server.createWorkspace(user));
    const started = Date.now();
    expect((await server.api(session, 'POST', '/api/users/logout')).status).toBe(204);
    expect((await leaving.closed).code).toBe(SIGNED_OUT_CLOSE_CODE);
    expect(Date.now() - started).toBeLessThan(1000);
    const uri = client.open('still_signed_in.py', 'import os\nos.pa');
    const result = await client.request('textDocument/completion', {
      textDocument: { uri },
      position: { line: 1, character: 5 },
    });
    expect(labels(result)).toContain('path');
  });

  it('is refused to another user (404) and without credentials (401), before the upgrade', async () => {
    const other = await server.registerUser('lsp-other');
    await expect(LspClient.connect(server, other, workspace)).rejects.toThrow(
      'upgrade refused: 404',
    );
    const anonymous = new WebSocket(LspClient.url(server, workspace));
    const status = await new Promise((resolve) => {
      anonymous.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      anonymous.once('open', () => resolve('open'));
    });
    expect(status).toBe(401);
  });

  it('restarts a crashed pyright and tells it the open documents again', async () => {
    const uri = client.open('survivor.py', 'import os\nos.pa');
    await client.diagnostics(uri, () => true, 'the first diagnostics');
    const seen = client.notifications.length;
    const cell = server.services.cells.get(workspace)!;
    await cell.agent.request({
      op: 'exec.run',
      execId: 'kill-pyright',
      argv: ['/bin/sh', '-c', 'kill -9 $(pgrep -f langserver.index.js)'],
      timeoutMs: 5000,
      maxOutputBytes: 1000,
    });
    const statusAfter = (state: string) => (n: { method: string; params: { state?: unknown } }) =>
      client.notifications.indexOf(n) >= seen &&
      n.method === '$/workcell/status' &&
      n.params.state === state
        ? true
        : undefined;
    await client.waitFor(statusAfter('restarting'), 'restarting');
    await client.waitFor(statusAfter('ready'), 'ready again');
    const result = await client.request('textDocument/completion', {
      textDocument: { uri },
      position: { line: 1, character: 5 },
    });
    expect(labels(result)).toContain('path');
  });

  it('hands a closed tab’s server to the next one; a second tab takes it over (one per workspace)', async () => {
    await client.close();
    const started = Date.now();
    client = await LspClient.connect(server, user, workspace);
    await client.initialize();
    // The idle server answers at once: no cold start.
    expect(Date.now() - started).toBeLessThan(1000);
    const uri = client.open('reused.py', 'import os\nos.pa');
    const result = await client.request('textDocument/completion', {
      textDocument: { uri },
      position: { line: 1, character: 5 },
    });
    expect(labels(result)).toContain('path');
    const second = await LspClient.connect(server, user, workspace);
    expect(await client.closed).toMatchObject({ code: 4000 });
    await second.initialize();
    const again = second.open('reused.py', 'import os\nos.pa');
    const taken = await second.request('textDocument/completion', {
      textDocument: { uri: again },
      position: { line: 1, character: 5 },
    });
    expect(labels(taken)).toContain('path');
    client = second;
  });
});
