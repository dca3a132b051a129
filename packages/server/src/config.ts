/**
 * Server configuration, read once from the environment and validated at start: a bad
 * value stops the server with a message naming the variable, never a default in its place.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { jsonText } from '@workcell/protocol';
import * as z from 'zod';

import { AllowList } from './egress/allow-list';

const MiB = 1024 * 1024;

/** The web app's build in this checkout: packages/web/dist, found from this package. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const integer = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    );

const environmentSchema = z.object({
  PORT: integer(8000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Connections to PostgreSQL at most; requests beyond wait for one. */
  DATABASE_POOL_SIZE: integer(10, 1, 1000),
  /**
   * Server processes sharing the port (processes/): the first runs the cells and the
   * sockets, the others serve files and search. Above 1 only with DATABASE_URL.
   */
  SERVER_PROCESSES: integer(1, 1, 64),
  /** The URL users reach Workcell at; WebSocket Origin checks compare against it. */
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** At most 2 GiB - 1 each: the database counts a file's and a workspace's bytes in 32 bits. */
  MAX_FILE_BYTES: integer(10 * MiB, 1, 2 ** 31 - 1),
  MAX_WORKSPACE_BYTES: integer(100 * MiB, 1, 2 ** 31 - 1),
  /** Everything one user makes the server store: files and revisions in all their workspaces. */
  MAX_USER_BYTES: integer(1024 * MiB, 1),
  MAX_WORKSPACES_PER_USER: integer(50, 1),
  /** Entries (files, folders, skipped ones) an uploaded zip may hold; more is refused unread. */
  MAX_ARCHIVE_ENTRIES: integer(10_000, 1, 100_000),
  /**
   * Earlier contents kept per file: every one from the last REVISIONS_ALL_MINUTES, then the
   * newest of each hour for REVISIONS_HOURLY_HOURS, then the newest of each day for
   * REVISIONS_DAILY_DAYS; never more than REVISIONS_PER_FILE (0 keeps none), and the oldest
   * give way first when a user reaches MAX_USER_BYTES.
   */
  REVISIONS_PER_FILE: integer(200, 0, 10_000),
  REVISIONS_ALL_MINUTES: integer(60, 0, 7 * 24 * 60),
  REVISIONS_HOURLY_HOURS: integer(24, 0, 90 * 24),
  REVISIONS_DAILY_DAYS: integer(30, 0, 3650),
  /** How often the sweep thins the revisions of files nobody writes (a batch of workspaces). */
  REVISIONS_SWEEP_SECONDS: integer(30, 1, 86_400),
  SESSION_TTL_DAYS: integer(30, 1, 3650),
  /**
   * How long a server remembers a signed-in token before asking the database again. A
   * sign-out or password change on this server applies at once; on another replica, within this.
   */
  AUTH_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(10),
  /**
   * Usernames that are administrators, comma-separated, checked at each request: taking a
   * name out takes the right away (rights granted with `workcell admin grant` stay).
   */
  ADMIN_USERS: commaList('').transform((names) => names.map((name) => name.toLowerCase())),
  /** Attempts per minute on login and register, per client address and per username. */
  AUTH_RATE_LIMIT_PER_MINUTE: integer(10, 1),
  /** A request's headers must arrive within this; a client trickling them is cut off. */
  HTTP_HEADERS_TIMEOUT_MS: integer(10_000, 100),
  /** A whole request (headers and body) must arrive within this. */
  HTTP_REQUEST_TIMEOUT_MS: integer(120_000, 100),
  /** An idle keep-alive connection is closed after this. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(30_000, 100),
  /** Open connections (WebSockets included) from one client address at most; more are refused. */
  MAX_CONNECTIONS_PER_ADDRESS: integer(256, 1),
  /**
   * Proxies in front of the server (an ingress) whose X-Forwarded-For is believed, so that
   * sign-in throttling counts the client's address, not the proxy's: addresses or CIDR
   * ranges, comma-separated. Unset: none (the connection's address is the client's).
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value) =>
      value
        ?.split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    ),
  /** Mark the session cookie Secure (set when served over HTTPS). */
  COOKIE_SECURE: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  CELL_DRIVER: z.enum(['local', 'kubernetes']).default('local'),
  // The Kubernetes driver's (cells/kubernetes/); its cluster comes from KUBECONFIG or, in a
  // pod, the service account.
  CELL_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name')
    .default('workcell-cells'),
  /** The cell image (deploy/images/cell), tagged as the server's so both speak one protocol. */
  CELL_IMAGE: z.string().min(1).default('workcell-cell'),
  /** Started cell pods waiting for a workspace, so that a start is an assignment. */
  CELL_WARM_POOL_SIZE: integer(2, 0, 100),
  /** A RuntimeClass for cell pods (gVisor, Kata); unset: the cluster's default runtime. */
  CELL_RUNTIME_CLASS: z.string().min(1).optional(),
  /** JSON object: the cell pods' nodeSelector. */
  CELL_NODE_SELECTOR: z.optional(jsonText(z.record(z.string(), z.string()))),
  /** JSON array: the cell pods' tolerations, as in a pod spec. */
  CELL_TOLERATIONS: z.optional(
    jsonText(
      z.array(
        z.object({
          key: z.string().optional(),
          operator: z.enum(['Exists', 'Equal']).optional(),
          value: z.string().optional(),
          effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
          tolerationSeconds: z.number().int().optional(),
        }),
      ),
    ),
  ),
  /**
   * How the server reaches a cell pod's agent: `network` (the pod's IP; the NetworkPolicy
   * lets the server in) or `port-forward` (through the API server, where the network
   * between server and cells is closed).
   */
  CELL_AGENT_ROUTE: z.enum(['network', 'port-forward']).default('network'),
  CELL_MEMORY_MIB: integer(512, 32),
  CELL_CPU_CORES: z.coerce.number().min(0.01).max(256).default(0.5),
  CELL_CPU_PERIOD_US: integer(10_000, 1000, 1_000_000),
  CELL_PIDS: integer(256, 16),
  CELL_DISK_MIB: integer(1024, 16),
  CELL_TMP_MIB: integer(128, 1),
  CELL_HOME_MIB: integer(64, 1),
  CELL_IDLE_MINUTES: z.coerce.number().min(0.01).default(30),
  /** How long a workspace's language server outlives its last editor socket. */
  LSP_IDLE_MINUTES: z.coerce.number().min(0.01).default(5),
  CELL_MAX_LIFETIME_MINUTES: z.coerce.number().min(0.02).default(120),
  CELL_MAX_PER_USER: integer(3, 1),
  CELL_MAX_TOTAL: integer(50, 1),
  CELL_BLOCKED_COMMANDS: commaList(
    'sudo,su,chmod,chown,reboot,shutdown,ssh,nc,telnet,wget,curl,nohup,crontab,screen,tmux,dd,mount,mkfs',
  ),
  /**
   * Where cells may connect through their agent's proxy: comma-separated host[:port]
   * entries (egress/allow-list.ts, docs/operations.md). Unset: nowhere, and no proxy.
   */
  CELL_EGRESS_ALLOW: z
    .string()
    .default('')
    .transform((text, ctx) => {
      try {
        return AllowList.parse(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** The package index pip in cells uses (a mirror); its host must be allowed too. */
  CELL_PIP_INDEX_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Egress connections one cell may have open at once; more are refused. */
  CELL_EGRESS_MAX_CONNECTIONS: integer(16, 1, 1024),
  /** Egress bytes (both ways) one cell may move per minute; past them its connections end. */
  CELL_EGRESS_BYTES_PER_MINUTE: integer(200 * MiB, 1),
  SYNC_IGNORE: commaList('.venv,venv,__pycache__,node_modules,.cache,.local,.git'),
  /** How often the server pings each WebSocket; one missed answer ends the connection. */
  WS_HEARTBEAT_MS: integer(30_000, 50),
  RUN_TIMEOUT_MS: integer(30_000, 1),
  RUN_MAX_TIMEOUT_MS: integer(10 * 60_000, 1),
  RUN_MAX_OUTPUT_BYTES: integer(MiB, 0),
  /**
   * The bearer token a Prometheus scraper sends for GET /metrics (and monitoring for GET
   * /api/health/detailed, without an account). Unset: metrics are off, /metrics answers 404.
   */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The built web app, served at `/` when it holds an index.html. */
  WEB_DIR: z.string().min(1).default(DEFAULT_WEB_DIR),
});

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = environmentSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const values = parsed.data;
  if (values.SERVER_PROCESSES > 1 && values.DATABASE_URL === undefined) {
    throw new ConfigError(
      "Invalid configuration:\n  SERVER_PROCESSES: above 1 needs DATABASE_URL (PGlite is one process's database)",
    );
  }
  return {
    ...values,
    DATA_DIR: resolve(values.DATA_DIR),
    WEB_DIR: resolve(values.WEB_DIR),
    PUBLIC_URL: values.PUBLIC_URL ?? `http://localhost:${values.PORT}`,
  };
}
