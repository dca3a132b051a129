/**
 * `workcell <command>`: administration from the host's shell, using the same
 * configuration (DATA_DIR, DATABASE_URL) as the server.
 */
import { parseArgs } from 'node:util';

import { AuthService } from './auth/service';
import { ConfigError, loadConfig } from './config';
import { isWorkcellError } from './errors';
import { openDatabase, pgliteDirectory } from './store/database';

const usage = `Usage: workcell <command>

Commands:
  admin grant <username>    make a user an administrator
  admin revoke <username>   take administrator rights away
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

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  switch (command) {
    case 'admin': {
      const [action, username] = rest;
      if ((action !== 'grant' && action !== 'revoke') || !username) break;
      await withAuth((auth) => auth.setAdmin(username, action === 'grant'));
      console.log(
        action === 'grant'
          ? `${username} is now an administrator.`
          : `${username} is no longer an administrator.`,
      );
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
