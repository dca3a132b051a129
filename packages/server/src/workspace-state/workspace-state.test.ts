import {
  emptyWorkspaceState,
  WORKSPACE_STATE_LIMITS,
  type Workspace,
  type WorkspaceState,
} from '@workcell/protocol';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  expectError,
  forEachDatabase,
  registerUser,
  withCookie,
  type TestUser,
} from '../test-support/api-harness';

const tab = (path: string, line = 1) => ({
  path,
  cursor: { line, column: 5 },
  scroll: { top: line * 18, left: 0 },
});

const saved: WorkspaceState = {
  editorGroups: [
    {
      tabs: [tab('script.py', 12), { ...tab('src/util.py', 40), pinned: true }],
      active: 'src/util.py',
    },
    { tabs: [tab('notes.md')], active: 'notes.md' },
  ],
  activeGroup: 1,
  layout: { 'workspace-main': [22.5, 77.5], 'editor-terminal': [65, 35] },
  panels: { problems: true, search: false },
  terminals: [
    { id: 'term-1', name: 'bash', kind: 'shell' },
    { id: 'run-2', name: 'Run script.py', kind: 'run', path: 'script.py' },
  ],
  activeTerminal: 'run-2',
  runConfigurations: {
    'script.py': {
      args: ['--rows', '10', 'data file.csv'],
      env: { DEBUG: '1', API_URL: 'http://x' },
    },
  },
};

forEachDatabase('workspace state API (/api/workspace/{uuid}/state)', (ctx) => {
  let alice: TestUser;
  let bob: TestUser;
  let workspace: Workspace;
  beforeAll(async () => {
    alice = await registerUser(ctx.app, 'state');
    bob = await registerUser(ctx.app, 'state');
    workspace = await createWorkspace(ctx.app, alice, 'Stateful');
  });

  const url = (uuid: string) => `/api/workspace/${uuid}/state`;
  const get = async (user: TestUser, uuid = workspace.uuid) => {
    const response = await ctx.app.inject({ url: url(uuid), headers: bearer(user) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<WorkspaceState>();
  };
  const put = (user: TestUser, payload: unknown, uuid = workspace.uuid) =>
    ctx.app.inject({
      method: 'PUT',
      url: url(uuid),
      headers: { ...bearer(user), 'content-type': 'application/json' },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  it('a workspace never saved answers the empty state, and reading stores nothing', async () => {
    const fresh = await createWorkspace(ctx.app, alice, 'Fresh');
    expect(await get(alice, fresh.uuid)).toEqual(emptyWorkspaceState());
    const rows = await ctx.db
      .selectFrom('workspace_state')
      .select('user_id')
      .where('workspace_id', '=', fresh.uuid)
      .execute();
    expect(rows).toEqual([]);
  });

  it('what is saved is what the next visit (another device: the cookie) reads, and a save replaces it whole', async () => {
    const first = await put(alice, saved);
    expect(first.statusCode, first.body).toBe(204);
    const response = await ctx.app.inject({ url: url(workspace.uuid), headers: withCookie(alice) });
    expect(response.json()).toEqual(saved);

    const next = { editorGroups: [{ tabs: [tab('script.py', 3)], active: 'script.py' }] };
    expect((await put(alice, next)).statusCode).toBe(204);
    expect(await get(alice)).toEqual({ ...emptyWorkspaceState(), ...next });
  });

  it('paths are stored normalised', async () => {
    const other = await createWorkspace(ctx.app, alice, 'Normalised');
    const response = await put(
      alice,
      {
        editorGroups: [{ tabs: [tab('./src//a.py')] }],
        runConfigurations: { 'src/./a.py': { args: [], env: {} } },
      },
      other.uuid,
    );
    expect(response.statusCode, response.body).toBe(204);
    const state = await get(alice, other.uuid);
    expect(state.editorGroups[0]?.tabs[0]?.path).toBe('src/a.py');
    expect(Object.keys(state.runConfigurations)).toEqual(['src/a.py']);
  });

  describe('a document out of bounds is 400 (413 when too large) and changes nothing', () => {
    const nested = (depth: number): unknown => (depth === 0 ? 'x' : { a: nested(depth - 1) });
    it.each([
      ['a misspelt key', { ...saved, panel: {} }, 'VALIDATION_FAILED'],
      ['no editor group', { ...saved, editorGroups: [] }, 'VALIDATION_FAILED'],
      [
        'a tab leaving the workspace',
        { ...saved, editorGroups: [{ tabs: [tab('../etc/passwd')] }] },
        'INVALID_PATH',
      ],
      [
        'an absolute run-configuration path',
        { ...saved, runConfigurations: { '/etc/passwd': { args: [], env: {} } } },
        'INVALID_PATH',
      ],
      [
        'an environment name with a space',
        { ...saved, runConfigurations: { 'a.py': { args: [], env: { 'MY VAR': '1' } } } },
        'VALIDATION_FAILED',
      ],
      [
        'an environment name starting with a digit',
        { ...saved, runConfigurations: { 'a.py': { args: [], env: { '9LIVES': '1' } } } },
        'VALIDATION_FAILED',
      ],
      [
        '51 tabs in a group',
        {
          ...saved,
          editorGroups: [{ tabs: Array.from({ length: 51 }, (_, i) => tab(`f${i}.py`)) }],
          activeGroup: 0,
        },
        'VALIDATION_FAILED',
      ],
      [
        '21 terminals',
        {
          ...saved,
          terminals: Array.from({ length: 21 }, (_, i) => ({
            id: `t${i}`,
            name: 'sh',
            kind: 'shell',
          })),
        },
        'VALIDATION_FAILED',
      ],
      [
        'a value where none may nest',
        { ...saved, panels: { problems: nested(10) } },
        'VALIDATION_FAILED',
      ],
      ['JSON nested past the parser limit', { ...saved, panels: nested(100) }, 'VALIDATION_FAILED'],
      ['an array', [saved], 'VALIDATION_FAILED'],
      ['a body that is not JSON', '{"editorGroups": ', 'VALIDATION_FAILED'],
    ])('%s', async (_, payload, code) => {
      const before = await get(alice);
      expectError(await put(alice, payload), 400, code);
      expect(await get(alice)).toEqual(before);
    });

    it('a document over 64 KiB is 413 PAYLOAD_TOO_LARGE', async () => {
      const before = await get(alice);
      const big = {
        ...saved,
        runConfigurations: Object.fromEntries(
          Array.from({ length: 20 }, (_, i) => [`f${i}.py`, { args: ['x'.repeat(4000)], env: {} }]),
        ),
      };
      expect(JSON.stringify(big).length).toBeGreaterThan(WORKSPACE_STATE_LIMITS.bytes);
      expectError(await put(alice, big), 413, 'PAYLOAD_TOO_LARGE');
      expect(await get(alice)).toEqual(before);
    });
  });

  it("another user's workspace is 404 for GET and PUT, and the owner's state is untouched", async () => {
    const before = await get(alice);
    expectError(
      await ctx.app.inject({ url: url(workspace.uuid), headers: bearer(bob) }),
      404,
      'WORKSPACE_NOT_FOUND',
    );
    // Even with an invalid body: the workspace is checked first.
    expectError(await put(bob, saved), 404, 'WORKSPACE_NOT_FOUND');
    expectError(await put(bob, { nonsense: true }), 404, 'WORKSPACE_NOT_FOUND');
    expect(await get(alice)).toEqual(before);
    // Bob's own state of his own workspace is his alone.
    const his = await createWorkspace(ctx.app, bob, 'His');
    expect(await get(bob, his.uuid)).toEqual(emptyWorkspaceState());
  });

  it('is 401 without a session', async () => {
    expectError(await ctx.app.inject({ url: url(workspace.uuid) }), 401, 'UNAUTHENTICATED');
    expectError(
      await ctx.app.inject({ method: 'PUT', url: url(workspace.uuid), payload: saved }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('the state goes with its workspace and with its user', async () => {
    const carol = await registerUser(ctx.app, 'state');
    const doomed = await createWorkspace(ctx.app, carol, 'Doomed');
    const kept = await createWorkspace(ctx.app, carol, 'Kept');
    expect((await put(carol, saved, doomed.uuid)).statusCode).toBe(204);
    expect((await put(carol, saved, kept.uuid)).statusCode).toBe(204);
    const rowsOf = (column: 'workspace_id' | 'user_id', id: string) =>
      ctx.db.selectFrom('workspace_state').select('user_id').where(column, '=', id).execute();

    const deleted = await ctx.app.inject({
      method: 'DELETE',
      url: `/api/sessions/${doomed.uuid}`,
      headers: bearer(carol),
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await rowsOf('workspace_id', doomed.uuid)).toEqual([]);
    expect(await rowsOf('workspace_id', kept.uuid)).toHaveLength(1);

    await ctx.db.deleteFrom('users').where('id', '=', carol.id).execute();
    expect(await rowsOf('user_id', carol.id)).toEqual([]);
  });
});
