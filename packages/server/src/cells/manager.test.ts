/**
 * The cell lifecycle through the real server, with real cells: start and shutdown
 * (nothing left on the host), the cell record, idle reaping and the maximum lifetime on
 * PGlite and PostgreSQL; starting on first need, a cell dying under the server and the
 * caps (which do not depend on the database) on PGlite.
 */
import type { Workspace } from '@workcell/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  DATABASE_KINDS,
  expectError,
  openTestDatabase,
  registerUser,
  type TestDatabase,
  type TestUser,
} from '../test-support/api-harness';
import {
  cellProcesses,
  cellStatus,
  createCellTestEnv,
  killCellFromHost,
  leftovers,
  NOTHING_LEFT,
  python,
  run,
  saveFile,
  shutdownCell,
  startCell,
  stillRunning,
  waitFor,
  type CellTestApp,
  type CellTestEnv,
} from '../test-support/cell-harness';
import type { CellEvent } from './manager';

const statusEvents = (app: CellTestApp, workspaceId: string) =>
  app.events.filter(
    (event): event is Extract<CellEvent, { type: 'status' }> =>
      event.type === 'status' && event.workspaceId === workspaceId,
  );

/** Waits for the workspace's next `stopped` event after the first `skip` of them. */
const stoppedEvent = (app: CellTestApp, workspaceId: string, skip = 0) =>
  waitFor(
    () => statusEvents(app, workspaceId).filter((e) => e.state === 'stopped')[skip],
    `the cell of ${workspaceId} to stop`,
  );

/** Starting cells and waiting out idle times and lifetimes takes a while on a busy machine. */
const TEST_TIMEOUT_MS = 120_000;

describe.each(DATABASE_KINDS)('cell lifecycle (%s)', { timeout: TEST_TIMEOUT_MS }, (kind) => {
  let env: CellTestEnv;
  let database: TestDatabase;
  let main: CellTestApp;
  /** Reaps after 1.2 s without activity. */
  let idle: CellTestApp;
  /** Stops cells 3 s after they started, busy or not. */
  let shortLived: CellTestApp;
  let capped: CellTestApp;
  let user: TestUser;

  beforeAll(async () => {
    env = await createCellTestEnv(`life-${kind}`);
    database = await openTestDatabase(kind);
    // All managers start (and sweep) before any cell runs: a manager's start-up sweep
    // removes every cell of its DATA_DIR, as after a crash.
    main = await env.buildApp(database.handle);
    idle = await env.buildApp(database.handle, { CELL_IDLE_MINUTES: '0.02' });
    shortLived = await env.buildApp(database.handle, {
      CELL_IDLE_MINUTES: '0.02',
      CELL_MAX_LIFETIME_MINUTES: '0.05',
    });
    capped = await env.buildApp(database.handle, {
      CELL_MAX_PER_USER: '1',
      CELL_MAX_TOTAL: '2',
    });
    user = await registerUser(main.app, 'life');
  });

  afterAll(async () => {
    await env.dispose();
    await database.close();
  });

  it('starts a cell (ready, recorded), stops it without leftovers, and keeps its files', async () => {
    const { app, services } = main;
    const workspace = await createWorkspace(app, user, 'Lifecycle');
    expect(await cellStatus(app, user, workspace.uuid)).toMatchObject({
      state: 'stopped',
      startedAt: null,
    });

    const started = await startCell(app, user, workspace.uuid);
    expect(started).toMatchObject({ state: 'ready', reason: null, driver: 'local' });
    expect(Date.parse(started.startedAt ?? '')).toBeGreaterThan(Date.now() - 120_000);
    const row = await services.cells.record(workspace.uuid);
    expect(row).toMatchObject({ state: 'ready', driver: 'local', stopped_at: null });
    const hostUid = await env.hostUidOf(workspace.uuid);
    expect(hostUid).toEqual(expect.any(Number));
    expect(row?.started_at?.toISOString()).toBe(started.startedAt);
    expect(await cellStatus(app, user, workspace.uuid)).toEqual(started);
    expect(new Set(statusEvents(main, workspace.uuid).map((e) => e.state))).toEqual(
      new Set(['starting', 'ready']),
    );
    // The cell's Python version, learned once as it became ready: in the status and the event.
    expect(started.python).toMatch(/^3\.\d+\.\d+$/);
    expect(
      await python(app, user, workspace.uuid, 'import platform; print(platform.python_version())'),
    ).toBe(`${started.python}\n`);
    expect(statusEvents(main, workspace.uuid).find((e) => e.state === 'ready')?.python).toBe(
      started.python,
    );
    // Starting a running cell changes nothing.
    expect((await startCell(app, user, workspace.uuid)).startedAt).toBe(started.startedAt);

    // A cache only the cell's volume holds (ignored by the sync) and a long-running program.
    await python(
      app,
      user,
      workspace.uuid,
      [
        'import os, subprocess',
        'os.makedirs(".venv", exist_ok=True)',
        'open(".venv/cache.txt", "w").write("cached in the volume")',
        'subprocess.Popen(["sleep", "1000"], start_new_session=True)',
      ].join('\n'),
    );
    const processes = cellProcesses(env.host, workspace.uuid);
    expect(processes.length).toBeGreaterThanOrEqual(3);
    // A loop device holds the volume, mounted in the cell's namespace, not the host's.
    expect(leftovers(env.host, workspace.uuid)).toMatchObject({
      mounted: false,
      loops: [expect.any(String)],
    });

    const stopped = await shutdownCell(app, user, workspace.uuid);
    expect(stopped).toMatchObject({
      success: true,
      message: 'The cell was stopped.',
      cell: { state: 'stopped', reason: 'stopped by the user' },
    });
    expect(leftovers(env.host, workspace.uuid, processes)).toEqual(NOTHING_LEFT);
    expect(stopped.cell.python).toBeNull();
    const stoppedRow = await services.cells.record(workspace.uuid);
    expect(stoppedRow).toMatchObject({ state: 'stopped', reason: 'stopped by the user' });
    expect(stoppedRow?.stopped_at).toBeInstanceOf(Date);
    expect(await cellStatus(app, user, workspace.uuid)).toMatchObject({ state: 'stopped' });
    expect(
      statusEvents(main, workspace.uuid)
        .map((e) => e.state)
        .slice(-2),
    ).toEqual(['stopping', 'stopped']);
    // Stopping a stopped cell is no error.
    expect((await shutdownCell(app, user, workspace.uuid)).message).toBe(
      'The cell was not running.',
    );

    await startCell(app, user, workspace.uuid);
    expect(
      await python(
        app,
        user,
        workspace.uuid,
        'print(open(".venv/cache.txt").read()); print("Hello from Workcell" in open("script.py").read())',
      ),
    ).toBe('cached in the volume\nTrue\n');
    expect(await env.hostUidOf(workspace.uuid)).toBe(hostUid);

    // The prototype's path stops it too.
    const processesAgain = cellProcesses(env.host, workspace.uuid);
    expect((await shutdownCell(app, user, workspace.uuid, '/workspace')).cell.state).toBe(
      'stopped',
    );
    expect(leftovers(env.host, workspace.uuid, processesAgain)).toEqual(NOTHING_LEFT);
  });

  it('reaps an idle cell, but not while a user program runs in it', async () => {
    const { app, services } = idle;
    const workspace = await createWorkspace(app, user, 'Idle');
    await startCell(app, user, workspace.uuid);
    const processes = cellProcesses(env.host, workspace.uuid);
    const reaped = await stoppedEvent(idle, workspace.uuid);
    expect(reaped.reason).toMatch(/idle/);
    expect(await cellStatus(app, user, workspace.uuid)).toMatchObject({
      state: 'stopped',
      reason: expect.stringMatching(/idle for 0\.02 minutes/) as string,
    });
    expect(leftovers(env.host, workspace.uuid, processes)).toEqual(NOTHING_LEFT);

    // A program left running in the background (no terminal input, no file writes) for
    // longer than the idle time; it writes a file when it is done.
    await startCell(app, user, workspace.uuid);
    await python(
      app,
      user,
      workspace.uuid,
      [
        'import subprocess',
        'subprocess.Popen(["sh", "-c", "sleep 3; echo finished > done.txt"],',
        '                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)',
      ].join('\n'),
    );
    // The file reaching the database shows the program lived (and so the cell) through
    // more than the idle time.
    await waitFor(
      async () => (await services.files.find(workspace.uuid, 'done.txt'))?.source === 'terminal',
      'the background program to finish and its file to be synced',
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}; events: ${JSON.stringify(statusEvents(idle, workspace.uuid))}`,
      );
    });
    // The reaper counted the running program as activity, and the cells table says so.
    const record = await services.cells.record(workspace.uuid);
    expect(record?.last_activity_at.getTime()).toBeGreaterThan(
      (record?.started_at?.getTime() ?? Infinity) + 1_000,
    );
    // Once it has finished, the cell is idle again.
    expect((await stoppedEvent(idle, workspace.uuid, 1)).reason).toMatch(/idle/);
  });

  it('stops a cell at its maximum lifetime, busy or not, after a warning', async () => {
    const { app } = shortLived;
    const workspace = await createWorkspace(app, user, 'Short-lived');
    const started = await startCell(app, user, workspace.uuid);
    await python(
      app,
      user,
      workspace.uuid,
      'import subprocess\nsubprocess.Popen(["sleep", "1000"], start_new_session=True)',
    );
    const processes = cellProcesses(env.host, workspace.uuid);
    const stopped = await stoppedEvent(shortLived, workspace.uuid);
    expect(stopped.reason).toMatch(/maximum lifetime of 0\.05 minutes/);

    const ofWorkspace = shortLived.events.filter((e) => e.workspaceId === workspace.uuid);
    const warning = ofWorkspace.find((e) => e.type === 'warning');
    expect(warning).toMatchObject({ message: expect.stringMatching(/maximum lifetime/) as string });
    expect(warning && ofWorkspace.indexOf(warning)).toBeLessThan(ofWorkspace.indexOf(stopped));
    // 0.05 minutes after the start (the recorded start time is taken a moment later).
    const stopsAt = Date.parse(warning?.type === 'warning' ? warning.stopsAt : '');
    expect(stopsAt - Date.parse(started.startedAt ?? '')).toBeGreaterThan(2_000);
    expect(stopsAt - Date.parse(started.startedAt ?? '')).toBeLessThanOrEqual(3_000);
    expect(await cellStatus(app, user, workspace.uuid)).toMatchObject({
      state: 'stopped',
      reason: stopped.reason,
    });
    expect(leftovers(env.host, workspace.uuid, processes)).toEqual(NOTHING_LEFT);
  });

  it("keeps every user out of another's cell: 404, and 401 without a session", async () => {
    const workspace = await createWorkspace(main.app, user, 'Private');
    await saveFile(main.app, user, workspace.uuid, 'secret.py', 'print("mine")\n');
    const intruder = await registerUser(main.app, 'intruder');
    const requests = [
      { method: 'POST', url: `/api/workspace/${workspace.uuid}/start` },
      {
        method: 'POST',
        url: `/api/workspace/${workspace.uuid}/run`,
        payload: { path: 'secret.py' },
      },
      { method: 'POST', url: `/api/workspace/${workspace.uuid}/shutdown` },
      { method: 'POST', url: `/workspace/${workspace.uuid}/shutdown` },
      { method: 'GET', url: `/api/workspace/${workspace.uuid}/cell` },
    ] as const;
    for (const request of requests) {
      expectError(
        await main.app.inject({ ...request, headers: bearer(intruder) }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
      expectError(await main.app.inject(request), 401, 'UNAUTHENTICATED');
    }
    expect(await main.services.cells.record(workspace.uuid)).toBeUndefined();
    expect(main.services.cells.get(workspace.uuid)).toBeUndefined();
  });

  // What does not depend on the database runs once.
  if (kind !== 'pglite') return;

  it('starts a stopped cell on first need: a run starts it, and the workspace counts as opened', async () => {
    const workspace = await createWorkspace(main.app, user, 'Run starts it');
    await createWorkspace(main.app, user, 'Created after it');
    const listed = async () =>
      (await main.app.inject({ url: '/api/sessions', headers: bearer(user) })).json<{
        sessions: Workspace[];
      }>().sessions;
    expect((await listed())[0]?.name).toBe('Created after it');
    const result = await run(main.app, user, workspace.uuid, { path: 'script.py' });
    expect(result.stdout).toMatch(/^Hello from Workcell!/);
    const status = await cellStatus(main.app, user, workspace.uuid);
    expect(status.state).toBe('ready');
    expect(status.python).toMatch(/^3\.\d+\.\d+$/);
    // Starting its cell (here for a run, not POST …/start) moved it to the top of the list.
    const [top] = await listed();
    expect(top?.uuid).toBe(workspace.uuid);
    expect(Date.parse(top!.openedAt)).toBeGreaterThan(Date.parse(workspace.openedAt));
    await shutdownCell(main.app, user, workspace.uuid);
  });

  it('starts a cell asked for while it is stopping: after the stop, a fresh one', async () => {
    const { app, services } = main;
    const workspace = await createWorkspace(app, user, 'Stop and start');
    await startCell(app, user, workspace.uuid);
    const old = cellProcesses(env.host, workspace.uuid);
    // The reaper stops the cell just as the user opens the workspace again.
    const stopping = services.cells.stop(workspace.uuid, 'the cell was idle');
    const started = await startCell(app, user, workspace.uuid);
    expect(await stopping).toBe(true);
    expect(started.state).toBe('ready');
    expect(await cellStatus(app, user, workspace.uuid)).toMatchObject({ state: 'ready' });
    expect(await python(app, user, workspace.uuid, 'print("fresh")')).toBe('fresh\n');
    expect(stillRunning(old)).toEqual([]);
    expect(cellProcesses(env.host, workspace.uuid).length).toBeGreaterThanOrEqual(3);
    await shutdownCell(app, user, workspace.uuid);
  });

  it('marks a cell that died under it as failed, with the reason, and starts it again', async () => {
    const workspace = await createWorkspace(main.app, user, 'Killed');
    await startCell(main.app, user, workspace.uuid);
    const processes = cellProcesses(env.host, workspace.uuid);
    await killCellFromHost(env.host, workspace.uuid);
    const failed = await waitFor(
      () => statusEvents(main, workspace.uuid).find((e) => e.state === 'failed'),
      'the manager to notice',
    );
    expect(failed.reason).toMatch(/^the cell stopped: the agent was killed by SIGKILL/);
    expect(await cellStatus(main.app, user, workspace.uuid)).toMatchObject({
      state: 'failed',
      reason: failed.reason,
    });
    expect(leftovers(env.host, workspace.uuid, processes)).toEqual(NOTHING_LEFT);
    expect((await run(main.app, user, workspace.uuid, { path: 'script.py' })).exitCode).toBe(0);
    expect((await cellStatus(main.app, user, workspace.uuid)).state).toBe('ready');
    await shutdownCell(main.app, user, workspace.uuid);
  });

  it('caps cells per user (429 CELL_LIMIT_REACHED) and in total', async () => {
    const { app } = capped;
    const other = await registerUser(app, 'capother');
    const third = await registerUser(app, 'capthird');
    const [first, second, othersOwn, thirdsOwn] = await Promise.all([
      createWorkspace(app, user, 'Capped 1'),
      createWorkspace(app, user, 'Capped 2'),
      createWorkspace(app, other, 'Other'),
      createWorkspace(app, third, 'Third'),
    ]);
    const post = (who: TestUser, workspace: Workspace, action: 'start' | 'run') =>
      app.inject({
        method: 'POST',
        url: `/api/workspace/${workspace.uuid}/${action}`,
        headers: bearer(who),
        ...(action === 'run' && { payload: { code: 'print(1)' } }),
      });

    await startCell(app, user, first.uuid);
    const refused = expectError(await post(user, second, 'start'), 429, 'CELL_LIMIT_REACHED');
    expect(refused.error.message).toMatch(/1 workspaces? at once/);
    expectError(await post(user, second, 'run'), 429, 'CELL_LIMIT_REACHED');
    expect((await cellStatus(app, user, second.uuid)).state).not.toBe('ready');

    // Another user has a cap of their own; the server's total is 2.
    await startCell(app, other, othersOwn.uuid);
    expectError(await post(third, thirdsOwn, 'start'), 429, 'CELL_LIMIT_REACHED');

    // A stopped cell frees its place.
    await shutdownCell(app, user, first.uuid);
    await startCell(app, user, second.uuid);
    await shutdownCell(app, user, second.uuid);
    await shutdownCell(app, other, othersOwn.uuid);

    // Two starts at once cannot both slip under the cap.
    const racing = await Promise.all([post(user, first, 'start'), post(user, second, 'start')]);
    expect(racing.map((r) => r.statusCode).sort()).toEqual([200, 429]);
    await Promise.all([shutdownCell(app, user, first.uuid), shutdownCell(app, user, second.uuid)]);
  });
});
