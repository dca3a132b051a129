/**
 * The `workcell` command a host administrator types: it works on the same data as the
 * server (DATA_DIR) and says plainly what it did or why it could not.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readAuditLog } from './admin/audit';
import { AuthService } from './auth/service';
import { openDatabase, pgliteDirectory } from './store/database';

const CLI = join(import.meta.dirname, '..', 'bin', 'workcell');

let dataDir: string;

function workcell(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [CLI, ...args],
      { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Reads the CLI's database: whether the user is an administrator, and the audit log. */
async function inspect(username: string) {
  const database = await openDatabase({ pgliteDir: pgliteDirectory(dataDir) });
  try {
    const row = await database.db
      .selectFrom('users')
      .select('is_admin')
      .where('username', '=', username)
      .executeTakeFirst();
    return { isAdmin: row?.is_admin, audit: await readAuditLog(database.db, 10) };
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'workcell-cli-'));
  const database = await openDatabase({ pgliteDir: pgliteDirectory(dataDir) });
  await new AuthService(database.db, 30).register({
    username: 'grace',
    email: 'grace@example.com',
    password: 'long enough',
  });
  await database.close();
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('workcell admin', { timeout: 120_000 }, () => {
  it('grants and revokes administrator rights (usernames in any case)', async () => {
    const granted = await workcell('admin', 'grant', 'GRACE');
    expect(granted, granted.stderr).toMatchObject({ code: 0 });
    expect(granted.stdout).toMatch(/GRACE is now an administrator/);
    expect((await inspect('grace')).isAdmin).toBe(true);

    expect((await workcell('admin', 'revoke', 'grace')).code).toBe(0);
    const { isAdmin, audit } = await inspect('grace');
    expect(isAdmin).toBe(false);
    // Each is in the audit log, by the host's command (no administrator account).
    expect(
      audit.map(({ admin, action, targetKind, details }) => ({
        admin,
        action,
        targetKind,
        details,
      })),
    ).toEqual([
      {
        admin: null,
        action: 'user.revoke-admin',
        targetKind: 'user',
        details: { username: 'grace' },
      },
      {
        admin: null,
        action: 'user.grant-admin',
        targetKind: 'user',
        details: { username: 'grace' },
      },
    ]);
  });

  it('names an unknown user and explains its usage', async () => {
    const unknown = await workcell('admin', 'grant', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No user named nobody/);

    const usage = await workcell('admin', 'promote', 'grace');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Usage: workcell/);
  });
});

describe('workcell doctor', { timeout: 120_000 }, () => {
  it('reports each isolation feature and a verdict, naming what is missing', async () => {
    // mkdtemp makes the directory private: the cells' unprivileged uids could not reach it.
    const blocked = await workcell('doctor');
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/missing\s+cells directory/);

    await chmod(dataDir, 0o711);
    const report = await workcell('doctor');
    expect(report.stdout).toMatch(/bubblewrap/);
    expect(report.stdout).toMatch(/cgroups/);
    expect(report.stdout).toMatch(/disk quota/);
    expect(report.stdout).toMatch(/Verdict:/);
    // CI runs as root on a host that can isolate cells: the verdict is a go.
    expect(report.code, report.stdout).toBe(0);
  });
});
