/**
 * The language server's lifecycle against the real pyright in a real cell: a workspace's
 * .venv is its interpreter (also one made while the server ran, from the next tab on),
 * and the venv's files are readable through the library route (but not through a link
 * out of it); an idle server stops after LSP_IDLE_MINUTES; the socket is closed with 4001
 * when the cell stops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Cell } from '../cells/manager';
import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { LspClient } from '../test-support/lsp-client';
import { waitFor } from '../test-support/wait';

let server: LiveServer;
let user: LiveUser;
let workspace: string;
let client: LspClient | undefined;

const VENV_SITE = '.venv/lib/python3.11/site-packages';

async function run(cell: Cell, script: string): Promise<string> {
  const { result, body } = await cell.agent.request(
    {
      op: 'exec.run',
      execId: `lifecycle-${Math.random().toString(36).slice(2, 10)}`,
      argv: ['/bin/sh', '-c', script],
      timeoutMs: 120_000,
      maxOutputBytes: 64 * 1024,
    },
    undefined,
    125_000,
  );
  const output = body.toString('utf8');
  if (result.exitCode !== 0) throw new Error(`${script} failed: ${output}`);
  return output.slice(0, result.stdoutBytes);
}

/** How many pyright processes the cell runs. */
async function pyrights(cell: Cell): Promise<number> {
  // The brackets keep the pattern from matching this shell's own command line.
  const out = await run(cell, "pgrep -f '[l]angserver.index.js' || true");
  return out.trim() === '' ? 0 : out.trim().split('\n').length;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  // An idle language server stops 6 s after its socket closes.
  server = await startLiveServer('lsp-lifecycle', { LSP_IDLE_MINUTES: '0.1' });
  user = await server.registerUser('lsp-life');
  workspace = await server.createWorkspace(user);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await server?.close();
});

describe('the language server’s lifecycle', () => {
  it('uses the workspace’s .venv as the interpreter; the route reads the venv but no link out of it', async () => {
    const cell = await server.services.cells.ensure(workspace, user.id);
    const text = 'import venvonly\n\nvenvonly.only_in_venv()\n';
    client = await LspClient.connect(server, user, workspace);
    await client.initialize();
    const before = client.open('uses_venv.py', text);
    await client.diagnostics(
      before,
      (d) => d.some((x) => x.message === 'Import "venvonly" could not be resolved'),
      'the unresolved import',
    );
    const pid = await run(cell, "pgrep -f '[l]angserver.index.js'");
    await run(
      cell,
      [
        'python3 -m venv .venv',
        `printf 'def only_in_venv() -> int:\\n    return 1\\n' > ${VENV_SITE}/venvonly.py`,
        `ln -s /etc/passwd ${VENV_SITE}/passwd.py`,
        `echo 'secret = 1' > /app/notes_secret.py && ln -s /app/notes_secret.py .venv/leak.py`,
      ].join(' && '),
    );
    // A page reload: the next socket takes the same server over, which now uses the venv.
    await client.close();
    client = await LspClient.connect(server, user, workspace);
    await client.initialize();
    expect(await run(cell, "pgrep -f '[l]angserver.index.js'")).toBe(pid);
    const uri = client.open('uses_venv.py', text);
    await client.diagnostics(uri, (d) => d.length === 0, 'no diagnostics');
    // An empty publish may come before the analysis that uses the venv has ended.
    const reconnected = client;
    const definition = await waitFor(
      async () =>
        ((await reconnected.request('textDocument/definition', {
          textDocument: { uri },
          position: { line: 2, character: 12 },
        })) as { uri: string }[] | null) ?? undefined,
      'the definition in the venv',
    );
    // The bridge names the venv inside the workspace, as the browser knows it.
    expect(definition[0]!.uri).toBe(`file:///workspace/${VENV_SITE}/venvonly.py`);

    const source = (path: string) =>
      server.api(
        user,
        'GET',
        `/api/workspace/${workspace}/lsp/source?path=${encodeURIComponent(path)}`,
      );
    const served = await source(new URL(definition[0]!.uri).pathname);
    expect(served.status).toBe(200);
    expect((served.json as { content: string }).content).toContain('def only_in_venv');
    for (const link of [`/workspace/${VENV_SITE}/passwd.py`, '/workspace/.venv/leak.py']) {
      const refused = await source(link);
      expect({ link, status: refused.status, json: refused.json }).toMatchObject({
        link,
        status: 403,
        json: { error: { code: 'LIBRARY_PATH_FORBIDDEN' } },
      });
    }
  });

  it('stops an idle language server once its socket has been closed for LSP_IDLE_MINUTES', async () => {
    const cell = server.services.cells.get(workspace)!;
    expect(await pyrights(cell)).toBe(1);
    await client!.close();
    client = undefined;
    await until(async () => (await pyrights(cell)) === 0, 'the idle pyright to stop');
    // The cell itself stays up.
    expect(server.services.cells.get(workspace)).toBe(cell);
  });

  it('closes the socket with 4001 when the cell stops', async () => {
    client = await LspClient.connect(server, user, workspace);
    await client.initialize();
    await server.services.cells.stop(workspace, 'stopped by the test');
    expect(await client.closed).toMatchObject({ code: 4001 });
    client = undefined;
  });
});
