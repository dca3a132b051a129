/**
 * The metrics of a real server with a real cell, as an operator's Prometheus would scrape
 * them while a user works: a save, a cell start, a terminal, a language server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { LspClient } from '../test-support/lsp-client';
import { parseScrape, total, type Scrape } from '../test-support/scrape';
import { waitFor } from '../test-support/wait';
import { WsClient } from '../test-support/ws-client';

const TOKEN = 'live-metrics-token-for-the-tests';

let server: LiveServer;
let user: LiveUser;
let workspace: string;

async function scrape(): Promise<Scrape> {
  const response = await fetch(`${server.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.status).toBe(200);
  return parseScrape(await response.text());
}

/** Scrapes until `check` holds: a socket's close reaches the server after the client's. */
const scrapeUntil = (check: (metrics: Scrape) => boolean, what: string) =>
  waitFor(async () => {
    const metrics = await scrape();
    return check(metrics) && metrics;
  }, what);

const sockets = (metrics: Scrape, kind: string) =>
  total(metrics, 'workcell_websocket_connections', { kind });

beforeAll(async () => {
  server = await startLiveServer('metrics', { METRICS_TOKEN: TOKEN });
  user = await server.registerUser('metrics');
  workspace = await server.createWorkspace(user, 'metrics workspace');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const save = (path: string, content: string) =>
  server.api(user, 'POST', `/api/workspace/${workspace}/file/${path}`, { content });

describe('metrics of a server at work', () => {
  it('count a save, a cell start, its sync, a terminal and the sockets, naming nobody', async () => {
    expect((await save('private_dir/first.py', 'a = 1\n')).status).toBe(201);
    const started = await server.api(user, 'POST', `/api/workspace/${workspace}/start`);
    expect(started.status, started.bytes.toString()).toBe(200);

    let metrics = await scrape();
    expect(total(metrics, 'workcell_cells', { state: 'ready', driver: 'local' })).toBe(1);
    expect(total(metrics, 'workcell_cells', { state: 'starting' })).toBe(0);
    expect(
      total(metrics, 'workcell_cell_start_duration_seconds_count', {
        driver: 'local',
        outcome: 'ready',
      }),
    ).toBe(1);
    expect(
      total(metrics, 'workcell_cell_start_duration_seconds_sum', { outcome: 'ready' }),
    ).toBeGreaterThan(0);
    expect(
      total(metrics, 'workcell_cell_sync_duration_seconds_count', { operation: 'reconcile' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(metrics, 'workcell_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/workspace/:uuid/start',
        status: '200',
      }),
    ).toBe(1);

    // A save while the cell runs is pushed into it.
    expect((await save('private_dir/second.py', 'b = 2\n')).status).toBe(201);
    metrics = await scrapeUntil(
      (m) => total(m, 'workcell_cell_sync_duration_seconds_count', { operation: 'push' }) >= 1,
      'a push into the cell',
    );
    expect(
      total(metrics, 'workcell_file_save_duration_seconds_count', { source: 'editor' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      total(metrics, 'workcell_http_request_duration_seconds_count', {
        route: '/api/workspace/:uuid/file/*',
        status: '201',
      }),
    ).toBe(2);

    const client = await server.connect(user);
    expect(sockets(await scrape(), 'app')).toBe(1);
    const terminal = await client.open(workspace);
    await WsClient.prompt(terminal);
    expect(await terminal.run('echo typed-into-a-shell')).toContain('typed-into-a-shell');
    metrics = await scrape();
    expect(total(metrics, 'workcell_terminal_bytes_total', { direction: 'in' })).toBeGreaterThan(
      'echo typed-into-a-shell'.length,
    );
    expect(total(metrics, 'workcell_terminal_bytes_total', { direction: 'out' })).toBeGreaterThan(
      'typed-into-a-shell'.length,
    );

    await client.close();
    metrics = await scrapeUntil((m) => sockets(m, 'app') === 0, 'the app socket to be counted out');
    // An accepted upgrade is a socket, not a request with a duration.
    expect(total(metrics, 'workcell_http_request_duration_seconds_count', { route: '/ws' })).toBe(
      0,
    );

    for (const secret of [user.username, user.id, workspace, 'private_dir', 'first.py'])
      expect(metrics.text, secret).not.toContain(secret);
  });

  it('time language server requests by method and count the LSP socket', async () => {
    const lsp = await LspClient.connect(server, user, workspace);
    expect(sockets(await scrape(), 'lsp')).toBe(1);
    await lsp.initialize();
    const uri = lsp.open('hover_me.py', 'import os\nos.path\n');
    await lsp.request('textDocument/hover', {
      textDocument: { uri },
      position: { line: 1, character: 4 },
    });
    await lsp.request('workcell/made-up-method', {}).catch(() => undefined);
    const metrics = await scrape();
    expect(
      total(metrics, 'workcell_lsp_request_duration_seconds_count', {
        method: 'textDocument/hover',
      }),
    ).toBe(1);
    const methods = new Set(
      metrics.samples
        .filter((sample) => sample.name === 'workcell_lsp_request_duration_seconds_count')
        .map((sample) => sample.labels.method),
    );
    expect(methods).not.toContain('workcell/made-up-method');
    expect(methods).toContain('other');
    await lsp.close();
    await scrapeUntil((m) => sockets(m, 'lsp') === 0, 'the LSP socket to be counted out');
  }, 120_000);
});
