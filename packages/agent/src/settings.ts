/**
 * The agent's start-up contract: the environment variables a driver sets and how the
 * agent reads them. Shared by the agent (readSettings) and the server side (agentEnv), so
 * both agree on names and defaults.
 */
import { writeFileSync } from 'node:fs';

import { z } from 'zod';

export const AGENT_ENV = {
  /** Descriptor of the channel socket (default 3), or `stdio` for stdin/stdout. */
  fd: 'WORKCELL_AGENT_FD',
  root: 'WORKCELL_ROOT',
  userUid: 'WORKCELL_USER_UID',
  userGid: 'WORKCELL_USER_GID',
  home: 'WORKCELL_HOME',
  /** JSON object merged over the default environment of user processes. */
  shellEnv: 'WORKCELL_SHELL_ENV',
} as const;

export interface AgentSettings {
  channel: number | 'stdio';
  root: string;
  userUid: number;
  userGid: number;
  home: string;
  shellEnv: Record<string, string>;
}

export function defaultShellEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    USER: 'user',
    LOGNAME: 'user',
    SHELL: '/bin/bash',
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    // os.cpu_count() shows the host; each BLAS thread counts towards the cell's pids limit.
    OMP_NUM_THREADS: '1',
    OPENBLAS_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
    MPLBACKEND: 'Agg',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
  };
}

const id = z.coerce.number().int().min(0).max(0xfffffffe);
const absolute = z.string().regex(/^\/.*/, 'must be an absolute path');

/**
 * Reads the settings from `env` and deletes them from it, so no child process inherits
 * them. `self` is the agent's own uid/gid: an agent running as root hands user code to uid
 * 1000, any other agent runs user code as itself.
 */
export function readSettings(
  env: NodeJS.ProcessEnv,
  self: { uid: number; gid: number },
): AgentSettings {
  const raw = Object.fromEntries(Object.values(AGENT_ENV).map((name) => [name, env[name]]));
  for (const name of Object.values(AGENT_ENV)) Reflect.deleteProperty(env, name);
  const parsed = z
    .object({
      [AGENT_ENV.fd]: z.union([z.literal('stdio'), z.coerce.number().int().min(0)]).default(3),
      [AGENT_ENV.root]: absolute.default('/app'),
      [AGENT_ENV.userUid]: id.optional(),
      [AGENT_ENV.userGid]: id.optional(),
      [AGENT_ENV.home]: absolute.default('/home/user'),
      [AGENT_ENV.shellEnv]: z
        .string()
        .transform((text, ctx) => {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            ctx.addIssue({ code: 'custom', message: 'is not JSON' });
            return z.NEVER;
          }
        })
        .pipe(z.record(z.string(), z.string()))
        .optional(),
    })
    .parse(raw);
  const home = parsed[AGENT_ENV.home];
  const asRoot = self.uid === 0;
  return {
    channel: parsed[AGENT_ENV.fd],
    root: parsed[AGENT_ENV.root],
    userUid: parsed[AGENT_ENV.userUid] ?? (asRoot ? 1000 : self.uid),
    userGid: parsed[AGENT_ENV.userGid] ?? (asRoot ? 1000 : self.gid),
    home,
    shellEnv: { ...defaultShellEnv(home), ...parsed[AGENT_ENV.shellEnv] },
  };
}

/** The environment that makes an agent start with `settings` (unset ones get defaults). */
export function agentEnv(settings: Partial<AgentSettings>): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) env[name] = String(value);
  };
  set(AGENT_ENV.fd, settings.channel);
  set(AGENT_ENV.root, settings.root);
  set(AGENT_ENV.userUid, settings.userUid);
  set(AGENT_ENV.userGid, settings.userGid);
  set(AGENT_ENV.home, settings.home);
  set(AGENT_ENV.shellEnv, settings.shellEnv && JSON.stringify(settings.shellEnv));
  return env;
}

/**
 * User processes are the OOM killer's first choice, so a memory hog dies rather than the
 * agent (which cannot lower its own score without CAP_SYS_RESOURCE). Children inherit it.
 */
export const USER_OOM_SCORE_ADJ = 500;

/** Gives a just-spawned user process (and so its children) USER_OOM_SCORE_ADJ. */
export function preferForOomKill(pid: number | undefined): void {
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(USER_OOM_SCORE_ADJ));
  } catch {
    // Outside a cell (tests) the agent may not own the process: only a preference lost.
  }
}
