import type { FileContent, Workspace } from '@workcell/protocol';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  expectError,
  forEachDatabase,
  registerUser,
  type TestUser,
} from '../test-support/api-harness';
import { templates } from './templates';

forEachDatabase('workspace templates (POST /api/sessions {template})', (ctx) => {
  let user: TestUser;
  beforeAll(async () => {
    user = await registerUser(ctx.app, 'templates');
  });

  const create = (payload: Record<string, unknown>) =>
    ctx.app.inject({ method: 'POST', url: '/api/sessions/', headers: bearer(user), payload });
  const tree = async (workspace: Workspace) => {
    const response = await ctx.app.inject({
      url: `/api/workspace/${workspace.uuid}/files`,
      headers: bearer(user),
    });
    expect(response.statusCode, response.body).toBe(200);
    return response
      .json<{ files: { path: string; type: string; version: number }[] }>()
      .files.map((entry) => `${entry.path}${entry.type === 'folder' ? '/' : ''}`);
  };
  const read = async (workspace: Workspace, path: string) => {
    const response = await ctx.app.inject({
      url: `/api/workspace/${workspace.uuid}/file/${path}`,
      headers: bearer(user),
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<FileContent>();
  };
  const workspaceCount = async () =>
    (await ctx.db.selectFrom('workspaces').select('id').where('owner_id', '=', user.id).execute())
      .length;

  it('without a template, the workspace starts with a script.py that runs', async () => {
    const response = await create({ name: 'Nothing chosen' });
    expect(response.statusCode, response.body).toBe(201);
    const workspace = response.json<Workspace>();
    expect(await tree(workspace)).toEqual(['script.py']);
    const script = await read(workspace, 'script.py');
    expect(script.content).toMatch(/^print\(/m);
    expect(workspace.sizeBytes).toBe(script.size);
  });

  it('empty: no files', async () => {
    const response = await create({ name: 'Empty', template: 'empty' });
    expect(response.statusCode, response.body).toBe(201);
    expect(await tree(response.json<Workspace>())).toEqual([]);
  });

  it('hello-numpy: script.py, a numpy program that prints', async () => {
    const response = await create({ name: 'Numpy', template: 'hello-numpy' });
    expect(response.statusCode, response.body).toBe(201);
    const workspace = response.json<Workspace>();
    expect(await tree(workspace)).toEqual(['script.py']);
    const script = await read(workspace, 'script.py');
    expect(script).toMatchObject({ encoding: 'utf-8', version: 1 });
    expect(script.content).toMatch(/^import numpy as np$/m);
    expect(script.content).toMatch(/print\(/);
    expect(script.content).toMatch(/@/); // a matrix product
    expect(workspace.sizeBytes).toBe(script.size);
  });

  it('pandas-csv: analysis.py reading data/sales.csv, with the folder', async () => {
    const response = await create({ name: 'Sales', template: 'pandas-csv' });
    expect(response.statusCode, response.body).toBe(201);
    const workspace = response.json<Workspace>();
    expect((await tree(workspace)).sort()).toEqual(['analysis.py', 'data/', 'data/sales.csv']);
    const analysis = await read(workspace, 'analysis.py');
    expect(analysis.content).toMatch(/^import pandas as pd$/m);
    expect(analysis.content).toMatch(/"data" \/ "sales\.csv"/);
    expect(analysis.content).toMatch(/groupby\(/);

    const csv = await read(workspace, 'data/sales.csv');
    const [header, ...rows] = csv.content.trimEnd().split('\n');
    expect(header).toBe('date,region,product,units,price');
    expect(rows.length).toBeGreaterThanOrEqual(15);
    expect(rows.length).toBeLessThanOrEqual(30);
    for (const row of rows)
      expect(row).toMatch(/^\d{4}-\d{2}-\d{2},[A-Z][a-z]+,[A-Z][a-z]+,\d+,\d+\.\d{2}$/);
    expect(workspace.sizeBytes).toBe(analysis.size + csv.size);
  });

  it('the seeded files are ordinary files: version 1, source api, no revisions', async () => {
    const workspace = (await create({ name: 'Rows', template: 'pandas-csv' })).json<Workspace>();
    const rows = await ctx.db
      .selectFrom('files')
      .select(['path', 'type', 'version', 'source', 'size'])
      .where('workspace_id', '=', workspace.uuid)
      .orderBy('path')
      .execute();
    expect(rows).toEqual([
      {
        path: 'analysis.py',
        type: 'file',
        version: 1,
        source: 'api',
        size: Buffer.byteLength(templates['pandas-csv'][0]!.content),
      },
      { path: 'data', type: 'folder', version: 1, source: 'api', size: 0 },
      {
        path: 'data/sales.csv',
        type: 'file',
        version: 1,
        source: 'api',
        size: Buffer.byteLength(templates['pandas-csv'][1]!.content),
      },
    ]);
    const revisions = await ctx.db
      .selectFrom('file_revisions')
      .select('id')
      .where('workspace_id', '=', workspace.uuid)
      .execute();
    expect(revisions).toEqual([]);
  });

  describe('refused', () => {
    it.each([
      ['an unknown template', { name: 'x', template: 'django' }],
      ['a template of the wrong type', { name: 'x', template: 1 }],
      ['a null template', { name: 'x', template: null }],
      ['a template with a bad name', { name: '', template: 'hello-numpy' }],
    ])('%s: 400 VALIDATION_FAILED, no workspace created', async (_, payload) => {
      const before = await workspaceCount();
      expectError(await create(payload), 400, 'VALIDATION_FAILED');
      expect(await workspaceCount()).toBe(before);
    });

    it('a template too big for the workspace quota creates no workspace at all', async () => {
      const { app } = await ctx.buildApp({ MAX_WORKSPACE_BYTES: '100' });
      const before = await workspaceCount();
      const response = await app.inject({
        method: 'POST',
        url: '/api/sessions/',
        headers: bearer(user),
        payload: { name: 'Too big', template: 'pandas-csv' },
      });
      expectError(response, 413, 'WORKSPACE_FULL');
      expect(await workspaceCount()).toBe(before);
    });
  });

  it('the OpenAPI document names the templates', async () => {
    const spec = (await ctx.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, { post?: { requestBody?: unknown } }>;
    }>();
    const body = JSON.stringify(spec.paths['/api/sessions']?.post?.requestBody);
    for (const template of ['script', 'empty', 'hello-numpy', 'pandas-csv'])
      expect(body).toContain(template);
  });
});
