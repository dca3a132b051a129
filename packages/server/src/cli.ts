/**
 * `workcell <command>`: administration from the host's shell, using the same
 * configuration (DATA_DIR, DATABASE_URL) as the server.
 */
import { parseArgs } from 'node:util';

import { auditUserChange } from './admin/audit';
import { AuthService } from './auth/service';
import { ConfigError, loadConfig } from './config';
import { isWorkcellError } from './errors';
import { openDatabase, pgliteDirectory } from './store/database';

const usage = `Usage: workcell <command>

Commands (each admin one is kept in the audit log):
  admin grant <username>    make a user an administrator
  admin revoke <username>   take administrator rights away
  admin disable <username>  disable an account: it cannot sign in, its sessions end
  admin enable <username>   let a disabled account sign in again
  doctor                    report which isolation features this host provides`;

async function withAuth(work: (auth: AuthService) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    pgliteDir: pgliteDirectory(config.DATA_DIR),
  });
  try {
    await work(new AuthService(database.db, config.SESSION_TTL_DAYS));
  } finally {
    await database.close();
  }
}

const adminActions = {
  grant: {
    run: (auth, username) =>
      auth.setAdmin({ username }, true, auditUserChange(null, 'user.grant-admin')),
    done: 'is now an administrator',
  },
  revoke: {
    run: (auth, username) =>
      auth.setAdmin({ username }, false, auditUserChange(null, 'user.revoke-admin')),
    done: 'is no longer an administrator',
  },
  disable: {
    run: (auth, username) =>
      auth.setDisabled({ username }, true, auditUserChange(null, 'user.disable')),
    done: 'is disabled; their sessions end within a second',
  },
  enable: {
    run: (auth, username) =>
      auth.setDisabled({ username }, false, auditUserChange(null, 'user.enable')),
    done: 'can sign in again',
  },
} satisfies Record<
  string,
  { run: (auth: AuthService, username: string) => Promise<void>; done: string }
>;

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  switch (command) {
    case 'admin': {
      const [action, username] = rest;
      if (!username || !action || !Object.hasOwn(adminActions, action)) break;
      const { run, done } = adminActions[action as keyof typeof adminActions];
      await withAuth((auth) => run(auth, username));
      console.log(`${username} ${done}.`);
      return 0;
    }
    case 'doctor': {
      const { runDoctor } = await import('./cells/doctor');
      return runDoctor(loadConfig());
    }
  }
  console.error(usage);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || isWorkcellError(error)) console.error(error.message);
    else console.error(error);
    process.exit(1);
  },
);
