/** The admin API (`GET /api/users/`, `/api/admin/…`) and detailed health, for server and SPA. */
import * as z from 'zod';

import { cellState } from './api';

const pageLimit = (fallback: number) => z.coerce.number().int().min(1).max(500).default(fallback);
const search = z
  .string()
  .trim()
  .max(100)
  .optional()
  .describe('Part of a name to look for, any case');

// ---- users -----------------------------------------------------------------------------

export const adminUserQuery = z.object({
  q: search.describe('Part of a username or email, any case'),
  limit: pageLimit(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const adminUser = z
  .object({
    id: z.uuid(),
    username: z.string(),
    email: z.string(),
    createdAt: z.iso.datetime(),
    /** The last request any of their sessions made (to within a minute); null: never signed in. */
    lastSeenAt: z.iso.datetime().nullable(),
    storageBytes: z.number().int().describe('Their files and kept earlier versions'),
    workspaceCount: z.number().int(),
    disabled: z.boolean(),
    admin: z.boolean().describe('Named in ADMIN_USERS, or granted with `workcell admin grant`'),
  })
  .meta({ id: 'AdminUser' });
export type AdminUser = z.infer<typeof adminUser>;

export const adminUserList = z
  .object({
    users: z.array(adminUser),
    total: z.number().int().describe('Users matching q, of which `users` is one page'),
  })
  .meta({ id: 'AdminUserList' });
export type AdminUserList = z.infer<typeof adminUserList>;

export const adminUserAction = z.enum(['disable', 'enable', 'sign-out']);
export type AdminUserAction = z.infer<typeof adminUserAction>;

// ---- workspaces and cells --------------------------------------------------------------

/** A running cell's use now, as its agent measured it; null when it did not answer in time. */
export const cellUsage = z
  .object({
    cpuPercent: z.number().min(0).describe('Of one core, over a quarter of a second'),
    memoryBytes: z.number().int().min(0),
  })
  .meta({ id: 'CellUsage' });
export type CellUsage = z.infer<typeof cellUsage>;

export const adminWorkspaceQuery = z.object({
  q: search.describe("Part of the workspace's name or its owner's username, any case"),
  limit: pageLimit(100),
});

export const adminWorkspace = z
  .object({
    id: z.uuid(),
    name: z.string(),
    owner: z.string().describe("The owner's username"),
    sizeBytes: z.number().int(),
    cellState: cellState.nullable().describe('null: its cell never started'),
    usage: cellUsage
      .nullable()
      .describe('While its cell runs on the replica that answered; null otherwise'),
  })
  .meta({ id: 'AdminWorkspace' });
export type AdminWorkspace = z.infer<typeof adminWorkspace>;

export const adminWorkspaceList = z.object({ workspaces: z.array(adminWorkspace) });

export const adminCell = z
  .object({
    workspaceId: z.uuid(),
    workspaceName: z.string(),
    owner: z.string(),
    state: cellState,
    startedAt: z.iso.datetime().nullable(),
    usage: cellUsage.nullable(),
  })
  .meta({ id: 'AdminCell' });
export type AdminCell = z.infer<typeof adminCell>;

export const adminCellList = z.object({
  cells: z.array(adminCell).describe('Running cells, the most memory first, then the most CPU'),
});

export const stopCellReply = z.object({
  stopped: z
    .boolean()
    .describe('false: it was not running on the replica that answered (or not at all)'),
});

// ---- egress refusals and the audit log -------------------------------------------------

export const egressRefusal = z
  .object({
    at: z.iso.datetime(),
    workspaceId: z.uuid().nullable(),
    host: z.string(),
    port: z.number().int().nullable(),
    reason: z.string(),
  })
  .meta({ id: 'EgressRefusal' });
export type EgressRefusal = z.infer<typeof egressRefusal>;

export const egressRefusalList = z.object({
  refusals: z
    .array(egressRefusal)
    .describe("This replica's most recent refusals, newest first; kept in memory only"),
});

export const auditAction = z.enum([
  'user.disable',
  'user.enable',
  'user.sign-out',
  'user.grant-admin',
  'user.revoke-admin',
  'cell.stop',
]);
export type AuditAction = z.infer<typeof auditAction>;

export const auditEntry = z
  .object({
    id: z.number().int(),
    admin: z
      .string()
      .nullable()
      .describe("The administrator's username; null: the host's `workcell` command"),
    action: auditAction,
    targetKind: z.enum(['user', 'workspace']),
    targetId: z.string(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntry>;

export const auditQuery = z.object({ limit: pageLimit(100) });
export const auditLog = z.object({ entries: z.array(auditEntry).describe('Newest first') });

// ---- detailed health -------------------------------------------------------------------

export const detailedHealth = z
  .object({
    status: z.enum(['ok', 'degraded']),
    versions: z.object({ server: z.string(), node: z.string() }),
    uptimeSeconds: z.number(),
    database: z.object({
      kind: z.string(),
      reachable: z.boolean(),
      latencyMs: z.number().nullable().describe('One round trip'),
    }),
    cellDriver: z.object({
      name: z.string(),
      usable: z.boolean().nullable().describe("Its isolation report's verdict; null: no answer"),
    }),
    cells: z
      .partialRecord(cellState, z.number().int())
      .nullable()
      .describe('Cells by state across every replica; null when the database did not answer'),
    egress: z.object({ enabled: z.boolean() }),
    serverProcesses: z
      .object({ configured: z.number().int(), ready: z.number().int() })
      .describe('SERVER_PROCESSES, and how many of them serve now (a worker may be restarting)'),
    memory: z
      .object({ rssBytes: z.number(), heapUsedBytes: z.number() })
      .describe('Of the process that answered (the primary)'),
  })
  .meta({ id: 'DetailedHealth' });
export type DetailedHealth = z.infer<typeof detailedHealth>;
