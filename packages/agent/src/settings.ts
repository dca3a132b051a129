/**
 * The agent's start-up contract: the environment variables a driver sets and how the
 * agent reads them. Shared by the agent (readSettings) and the server side (agentEnv), so
 * both agree on names and defaults.
 */
import { writeFileSync } from 'node:fs';

import { jsonText } from '@workcell/protocol/json-text';
import * as z from 'zod/mini';

export const AGENT_ENV = {
  /**
   * Descriptor of the channel socket (default 3), `stdio` for stdin/stdout, or `none`.
   * While listening it only tells the agent it is still wanted (see main.ts).
   */
  fd: 'WORKCELL_AGENT_FD',
  /** `HOST:PORT` (`[::]:7070` for IPv6) or a unix socket's absolute path to listen on. */
  listen: 'WORKCELL_AGENT_LISTEN',
  /** What a connection to the listening agent must send first; required when listening. */
  token: 'WORKCELL_AGENT_TOKEN',
  root: 'WORKCELL_ROOT',
  userUid: 'WORKCELL_USER_UID',
  userGid: 'WORKCELL_USER_GID',
  home: 'WORKCELL_HOME',
  /** JSON object merged over the default environment of user processes. */
  shellEnv: 'WORKCELL_SHELL_ENV',
  /**
   * Where the cell's egress proxy listens on its loopback (egress/proxy.ts); unset: no
   * proxy, so nothing in the cell reaches beyond it.
   */
  egressProxyPort: 'WORKCELL_EGRESS_PROXY_PORT',
  /**
   * Comma-separated descriptors, each a `cgroup.procs` file the driver opened as root, that
   * the agent moves user processes into (user-cgroups.ts).
   */
  userCgroupFds: 'WORKCELL_USER_CGROUP_FDS',
  /**
   * `1`: load the terminals right after `ready` instead of on first use. A warm pool's spare
   * waits idle, and its first terminal is opened soon after it is handed to a workspace.
   */
  preloadTerminals: 'WORKCELL_PRELOAD_TERMINALS',
} as const;

/** The egress proxy's port drivers give the agent: squid's, the one a proxy usually has. */
export const EGRESS_PROXY_PORT = 3128;

/** Where a listening agent accepts connections: net.Server.listen options. */
export type ListenAddress = { path: string } | { host: string; port: number };

export interface AgentSettings {
  channel: number | 'stdio' | 'none';
  /** Connections to accept, each authenticated by its first frame (listener.ts). */
  listen?: { address: ListenAddress; token: string };
  root: string;
  userUid: number;
  userGid: number;
  home: string;
  shellEnv: Record<string, string>;
  egressProxyPort?: number;
  userCgroupFds: number[];
  preloadTerminals: boolean;
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

/**
 * What points user programs at the egress proxy: pip, requests and urllib read these.
 * The cell's own servers stay direct (NO_PROXY): nothing else is on its loopback.
 */
function proxyEnv(port: number): Record<string, string> {
  const url = `http://127.0.0.1:${port}`;
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
  };
}

/** Shorter tokens are refused: 32 hex digits are 128 random bits, beyond guessing. */
export const MIN_AGENT_TOKEN_LENGTH = 32;

/** A number written in decimal, an integer of at least `min` (and at most `max`). */
const integerText = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.pipe(z.coerce.number(), z.int().check(z.minimum(min), z.maximum(max)));
const id = integerText(0, 0xfffffffe);
const absolute = z.string().check(z.regex(/^\/.*/, 'must be an absolute path'));
const listenAddress = z.pipe(
  z.string(),
  z.transform((text: string, ctx): ListenAddress => {
    if (text.startsWith('/')) return { path: text };
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/.exec(text);
    const port = Number(match?.[3]);
    if (match && port >= 1 && port <= 65535) return { host: match[1] ?? match[2]!, port };
    ctx.issues.push({
      code: 'custom',
      message: 'must be HOST:PORT, [IPV6]:PORT or an absolute path',
      input: text,
    });
    return z.NEVER;
  }),
);

/** `[::]:7070` for an IPv6 host, as listenAddress reads it back. */
function formatListenAddress(address: ListenAddress): string {
  if ('path' in address) return address.path;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

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
      [AGENT_ENV.fd]: z.optional(z.union([z.literal('stdio'), z.literal('none'), integerText(0)])),
      [AGENT_ENV.listen]: z.optional(listenAddress),
      [AGENT_ENV.token]: z.optional(z.string()),
      [AGENT_ENV.root]: z.optional(absolute),
      [AGENT_ENV.userUid]: z.optional(id),
      [AGENT_ENV.userGid]: z.optional(id),
      [AGENT_ENV.home]: z.optional(absolute),
      [AGENT_ENV.shellEnv]: z.optional(jsonText(z.record(z.string(), z.string()))),
      [AGENT_ENV.egressProxyPort]: z.optional(integerText(1, 65535)),
      [AGENT_ENV.userCgroupFds]: z.optional(
        z.pipe(
          z
            .string()
            .check(z.regex(/^\d{1,4}(,\d{1,4})*$/, 'must be descriptors separated by commas')),
          z.transform((text: string) => text.split(',').map(Number)),
        ),
      ),
      [AGENT_ENV.preloadTerminals]: z.optional(z.enum(['0', '1'])),
    })
    .check(
      z.superRefine((settings, ctx) => {
        const token = settings[AGENT_ENV.token];
        const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
        if (settings[AGENT_ENV.listen] === undefined) {
          if (token !== undefined) issue(`${AGENT_ENV.token} is only for a listening agent`);
          if (settings[AGENT_ENV.fd] === 'none')
            issue(`${AGENT_ENV.fd}=none needs ${AGENT_ENV.listen}`);
        } else if ((token?.length ?? 0) < MIN_AGENT_TOKEN_LENGTH) {
          issue(
            `listening needs ${AGENT_ENV.token} of ${MIN_AGENT_TOKEN_LENGTH} characters or more`,
          );
        }
      }),
    )
    .parse(raw);
  const home = parsed[AGENT_ENV.home] ?? '/home/user';
  const asRoot = self.uid === 0;
  const address = parsed[AGENT_ENV.listen];
  const token = parsed[AGENT_ENV.token];
  const egressProxyPort = parsed[AGENT_ENV.egressProxyPort];
  return {
    channel: parsed[AGENT_ENV.fd] ?? 3,
    listen: address === undefined || token === undefined ? undefined : { address, token },
    root: parsed[AGENT_ENV.root] ?? '/app',
    userUid: parsed[AGENT_ENV.userUid] ?? (asRoot ? 1000 : self.uid),
    userGid: parsed[AGENT_ENV.userGid] ?? (asRoot ? 1000 : self.gid),
    home,
    shellEnv: {
      ...defaultShellEnv(home),
      ...(egressProxyPort === undefined ? {} : proxyEnv(egressProxyPort)),
      ...parsed[AGENT_ENV.shellEnv],
    },
    egressProxyPort,
    userCgroupFds: parsed[AGENT_ENV.userCgroupFds] ?? [],
    preloadTerminals: parsed[AGENT_ENV.preloadTerminals] === '1',
  };
}

/** The environment that makes an agent start with `settings` (unset ones get defaults). */
export function agentEnv(settings: Partial<AgentSettings>): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) env[name] = String(value);
  };
  set(AGENT_ENV.fd, settings.channel);
  set(AGENT_ENV.listen, settings.listen && formatListenAddress(settings.listen.address));
  set(AGENT_ENV.token, settings.listen?.token);
  set(AGENT_ENV.root, settings.root);
  set(AGENT_ENV.userUid, settings.userUid);
  set(AGENT_ENV.userGid, settings.userGid);
  set(AGENT_ENV.home, settings.home);
  set(AGENT_ENV.shellEnv, settings.shellEnv && JSON.stringify(settings.shellEnv));
  set(AGENT_ENV.egressProxyPort, settings.egressProxyPort);
  if (settings.userCgroupFds?.length)
    set(AGENT_ENV.userCgroupFds, settings.userCgroupFds.join(','));
  if (settings.preloadTerminals) set(AGENT_ENV.preloadTerminals, 1);
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
