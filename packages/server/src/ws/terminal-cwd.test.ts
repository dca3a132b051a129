/**
 * `terminal.open` with `cwd`: a new shell starts in that workspace folder (the file tree's
 * Reveal in Terminal); a path that is no folder of the workspace opens nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { WsClient } from '../test-support/ws-client';

let server: LiveServer;
let user: LiveUser;
let workspace: string;
let client: WsClient;

beforeAll(async () => {
  server = await startLiveServer('ws-cwd');
  user = await server.registerUser('revealer');
  workspace = await server.createWorkspace(user);
  client = await server.connect(user);
  await client.open(workspace);
  const saved = await server.api(user, 'POST', `/api/workspace/${workspace}/file/data/raw x/a.py`, {
    content: 'print(1)\n',
  });
  expect(saved.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('a terminal opened in a folder', () => {
  it('starts its shell in that folder', { timeout: 60_000 }, async () => {
    const terminal = await client.open(workspace, { cwd: 'data/raw x' });
    await WsClient.prompt(terminal);
    expect((await terminal.run('pwd')).trim()).toBe('/app/data/raw x');
  });

  it('refuses a path that is no folder of the workspace, opening nothing', async () => {
    const cases: [string, string][] = [
      ['../etc', 'INVALID_PATH'],
      ['/etc', 'INVALID_PATH'],
      ['missing', 'FILE_NOT_FOUND'],
      ['data/raw x/a.py', 'NOT_A_FOLDER'],
    ];
    for (const [cwd, code] of cases) {
      const from = client.mark();
      client.send({ type: 'terminal.open', workspace, cols: 80, rows: 24, cwd });
      const error = await client.next('error', () => true, from);
      expect(error.code, cwd).toBe(code);
      await client.ping();
      expect(client.messages.slice(from).some((m) => m.type === 'terminal.opened')).toBe(false);
    }
  });
});
