/**
 * A server killed with SIGKILL, as a crash or the OOM killer would: real server
 * processes on one DATA_DIR (PGlite on disk, as `npm start` runs), real cells. The next
 * server removes what the dead one left on the host, and nothing written on either side
 * while no server listened is lost.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  argvOf,
  cellProcesses,
  createCellTestEnv,
  killCellFromHost,
  leftovers,
  NOTHING_LEFT,
  processStatus,
  request,
  spawnServer,
  waitFor,
  type CellTestEnv,
  type HostProcess,
  type ServerProcess,
} from '../test-support/cell-harness';
import { spareNames } from './local/test-support';
import { LocalCellDriver } from './local';

let env: CellTestEnv;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  env = await createCellTestEnv('orphans', { sharedCgroupParent: true });
});

afterAll(async () => {
  for (const server of servers) await server.kill('SIGKILL');
  await env.dispose();
});

/** The /opt trees (opt-tree.ts) mounted under the cells directory. */
const optTrees = () =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(join(env.host.cellsDir, '.opt-')));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Session {
  token: string;
}

async function ok(
  server: ServerProcess,
  method: string,
  path: string,
  session: Session | undefined,
  body?: unknown,
): Promise<unknown> {
  const response = await request(server, method, path, session, body);
  expect(
    response.status,
    `${method} ${path}: ${JSON.stringify(response.body)}\n${server.output().slice(-3000)}`,
  ).toBeLessThan(300);
  return response.body;
}

const runIn = async (server: ServerProcess, session: Session, workspace: string, code: string) =>
  (await ok(server, 'POST', `/api/workspace/${workspace}/run`, session, { code })) as {
    stdout: string;
    stderr: string;
    exitCode: number | null;
  };

/**
 * Started in the cell before the server dies: on SIGUSR1, changes /app the way a
 * terminal command would.
 */
const WRITER = `
import os, signal, time
def write(signum, frame):
    os.makedirs("notes", exist_ok=True)
    open("notes/late.txt", "w").write("written just before the server died\\n")
    open("shared.txt", "w").write("the cell's version\\n")
    os.remove("gone.txt")
    os._exit(0)
signal.signal(signal.SIGUSR1, write)
while True:
    time.sleep(60)
`;

/** A server starts in seconds, but creating PGlite's database takes long on a busy machine. */
const SERVER_TEST_TIMEOUT_MS = 240_000;

/** SIGUSR1's bit in /proc/<pid>/status signal masks. */
const SIGUSR1_BIT = 1n << 9n;

describe('a server killed with SIGKILL', { timeout: SERVER_TEST_TIMEOUT_MS }, () => {
  let first: ServerProcess;
  let second: ServerProcess;
  let session: Session;
  let workspace: string;
  let seen: HostProcess[];
  /** The cell's /app, seen through its agent's root: the volume is mounted in the cell only. */
  const volume = () => {
    const agent = cellProcesses(env.host, workspace).find(
      (p) => argvOf(p.pid)[0] === '/usr/bin/node',
    );
    return `/proc/${agent?.pid}/root/app`;
  };

  it('leaves its cells behind; the next server on the DATA_DIR removes processes, cgroups, mounts and loop devices of all of them', async () => {
    first = await spawnServer(env);
    servers.push(first);
    session = (await ok(first, 'POST', '/api/users/register', undefined, {
      username: 'crashy',
      email: 'crashy@example.com',
      password: 'correct horse battery',
    })) as Session;
    workspace = (
      (await ok(first, 'POST', '/api/sessions/', session, { name: 'Crash' })) as {
        uuid: string;
      }
    ).uuid;
    for (const [path, content] of [
      ['shared.txt', 'the API version, synced\n'],
      ['gone.txt', 'to be deleted in the cell\n'],
    ]) {
      await ok(first, 'POST', `/api/workspace/${workspace}/file/${path}`, session, { content });
    }
    expect(await ok(first, 'POST', `/api/workspace/${workspace}/start`, session)).toMatchObject({
      state: 'ready',
    });
    const started = await runIn(
      first,
      session,
      workspace,
      [
        'import subprocess',
        `WRITER = ${JSON.stringify(WRITER)}`,
        'subprocess.Popen(["python3", "-c", WRITER, "nothing-lost-writer"], start_new_session=True,',
        '                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)',
        'print(open("shared.txt").read(), end="")',
      ].join('\n'),
    );
    expect(started).toMatchObject({ stdout: 'the API version, synced\n', exitCode: 0 });

    // Two more running cells, each with a program of its own in the background.
    const others: { uuid: string; seen: HostProcess[] }[] = [];
    for (const name of ['Crash 2', 'Crash 3']) {
      const { uuid } = (await ok(first, 'POST', '/api/sessions/', session, { name })) as {
        uuid: string;
      };
      await ok(first, 'POST', `/api/workspace/${uuid}/start`, session);
      await runIn(
        first,
        session,
        uuid,
        'import subprocess\nsubprocess.Popen(["sleep", "600"], start_new_session=True)',
      );
      others.push({ uuid, seen: cellProcesses(env.host, uuid) });
    }

    seen = cellProcesses(env.host, workspace);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    const writer = await waitFor(
      () =>
        cellProcesses(env.host, workspace).find((p) => {
          const caught = BigInt(`0x${processStatus(p.pid, 'SigCgt') ?? '0'}`);
          return argvOf(p.pid).at(-1) === 'nothing-lost-writer' && (caught & SIGUSR1_BIT) !== 0n;
        }),
      'the writer to catch its signal',
    );

    // The server stops listening (frozen), the cell changes /app, the server dies: the
    // agent's reports of those changes are never read.
    first.child.kill('SIGSTOP');
    await waitFor(() => processStatus(first.child.pid ?? 0, 'State')?.startsWith('T'), 'a stop');
    process.kill(writer.pid, 'SIGUSR1');
    await waitFor(() => !existsSync(join(volume(), 'gone.txt')), 'the writer to finish');
    expect(readFileSync(join(volume(), 'notes/late.txt'), 'utf8')).toBe(
      'written just before the server died\n',
    );
    const spares = () => spareNames(env.host.cellsDir, first.child.pid);
    expect(spares().length).toBeGreaterThan(0);
    await first.kill('SIGKILL');

    // The cells' cgroups stay for the next server to sweep (their volumes' mounts go with
    // their mount namespaces).
    for (const { uuid, seen: theirs } of [{ uuid: workspace, seen }, ...others])
      expect(leftovers(env.host, uuid, theirs).cgroups.length).toBeGreaterThan(0);
    const [deadServersOpt] = optTrees();
    expect(deadServersOpt).toBeDefined();

    second = await spawnServer(env);
    servers.push(second);
    // The sweep ran before the server listened: no process, cgroup, mount or loop device
    // of any of the three cells is left.
    expect(leftovers(env.host, workspace, seen)).toEqual(NOTHING_LEFT);
    for (const other of others)
      expect(leftovers(env.host, other.uuid, other.seen)).toEqual(NOTHING_LEFT);
    expect(optTrees()).not.toContain(deadServersOpt);
    // Nor of the dead server's warm pool (CELL_WARM_POOL_SIZE): its waiting sandboxes.
    expect(spares()).toEqual([]);
    expect(await ok(second, 'GET', `/api/workspace/${workspace}/cell`, session)).toMatchObject({
      state: 'stopped',
      reason: 'the server restarted',
    });
  });

  it('loses nothing: changes made in the cell and through the API while no cell listened are all kept', async () => {
    const file = (path: string) =>
      request(second, 'GET', `/api/workspace/${workspace}/file/${path}`, session);
    const revisions = async (path: string) =>
      (
        (await ok(second, 'GET', `/api/workspace/${workspace}/revisions/${path}`, session)) as {
          revisions: { revision: number; sha256: string; reason: string }[];
        }
      ).revisions;

    // The scenario is real: the dead server synced none of the writer's changes.
    expect((await file('notes/late.txt')).status).toBe(404);
    expect((await file('gone.txt')).status).toBe(200);
    expect((await file('shared.txt')).body).toMatchObject({ content: 'the API version, synced\n' });

    // While the cell is stopped, the API changes a file the cell changed too, and adds one.
    const apiVersion = "the API's version, saved while the cell was stopped\n";
    await ok(second, 'POST', `/api/workspace/${workspace}/file/shared.txt`, session, {
      content: apiVersion,
    });
    await ok(second, 'POST', `/api/workspace/${workspace}/file/api-only.txt`, session, {
      content: 'saved while the cell was stopped\n',
    });

    expect(await ok(second, 'POST', `/api/workspace/${workspace}/start`, session)).toMatchObject({
      state: 'ready',
    });

    // The cell's changes reached the database ...
    expect((await file('notes/late.txt')).body).toMatchObject({
      content: 'written just before the server died\n',
    });
    // ... a change on both sides keeps both: the cell's as the file, the API's as a revision ...
    expect((await file('shared.txt')).body).toMatchObject({ content: "the cell's version\n" });
    expect((await revisions('shared.txt')).map((r) => r.sha256)).toContain(sha256(apiVersion));
    // ... the delete done in the cell is applied, restorably ...
    expect((await file('gone.txt')).status).toBe(404);
    const [deleted] = await revisions('gone.txt');
    expect(deleted).toMatchObject({
      reason: 'delete',
      sha256: sha256('to be deleted in the cell\n'),
    });
    // ... and the cell has the API's changes.
    const inCell = await runIn(
      second,
      session,
      workspace,
      'import os\nprint(open("api-only.txt").read() + open("shared.txt").read(), os.path.exists("gone.txt"))',
    );
    expect(inCell.stdout).toBe("saved while the cell was stopped\nthe cell's version\n False\n");

    await ok(second, 'POST', `/api/workspace/${workspace}/restore/gone.txt`, session, {
      revision: deleted?.revision,
    });
    expect(
      (await runIn(second, session, workspace, 'print(open("gone.txt").read(), end="")')).stdout,
    ).toBe('to be deleted in the cell\n');
  });

  it("leaves this server's cells alone when a server on another DATA_DIR starts", async () => {
    const running = cellProcesses(env.host, workspace);
    expect(running.length).toBeGreaterThanOrEqual(3);
    // What createServices and cells.init() do for a server whose DATA_DIR is `neighbour`.
    const neighbour = new LocalCellDriver({
      cellsDir: join(env.dataDir, 'neighbour', 'cells'),
      cgroupParent: env.host.cgroupParent,
    });
    expect(await neighbour.sweepOrphans(new Set())).toEqual([]);
    expect(leftovers(env.host, workspace, running).processes).toEqual(
      expect.arrayContaining(running.map((p) => p.pid)),
    );
  });

  it('survives its cell being removed from under it: the cell is marked failed and starts again', async () => {
    const running = await waitFor(async () => {
      await ok(second, 'POST', `/api/workspace/${workspace}/start`, session);
      const processes = cellProcesses(env.host, workspace);
      return processes.length >= 3 && processes;
    }, 'a running cell');
    // Killed from outside, its cgroups removed (as another server's sweep does, above).
    await killCellFromHost(env.host, workspace);
    await waitFor(
      () => leftovers(env.host, workspace, running).processes.length === 0,
      'the processes to go',
    );

    const failed = await waitFor(async () => {
      const cell = (await ok(second, 'GET', `/api/workspace/${workspace}/cell`, session)) as {
        state: string;
        reason: string | null;
      };
      return cell.state === 'failed' && cell;
    }, 'the server to notice');
    expect(failed.reason).toMatch(/^the cell stopped: /);
    expect(await ok(second, 'POST', `/api/workspace/${workspace}/start`, session)).toMatchObject({
      state: 'ready',
    });
    expect(
      (await runIn(second, session, workspace, 'print(open("notes/late.txt").read(), end="")'))
        .stdout,
    ).toBe('written just before the server died\n');
  });

  it('stops its cells cleanly on SIGTERM', async () => {
    const processes = cellProcesses(env.host, workspace);
    expect(processes.length).toBeGreaterThanOrEqual(3);
    const spares = () => spareNames(env.host.cellsDir, second.child.pid);
    await waitFor(() => spares().length > 0, 'the warm pool to fill');
    await second.kill('SIGTERM');
    expect(second.child.exitCode).toBe(0);
    expect(leftovers(env.host, workspace, processes)).toEqual(NOTHING_LEFT);
    // Its warm pool's waiting sandboxes went with it.
    expect(spares()).toEqual([]);
  });
});
