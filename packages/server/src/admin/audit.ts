/**
 * The audit log of administrative actions: who (an administrator, or the host's `workcell`
 * command), what, to which user or workspace, when. A row is written in the transaction
 * of the change it records, so the log never claims a change that did not happen.
 */
import type { AuditAction, AuditEntry } from '@workcell/protocol';
import { sql } from 'kysely';

import type { AuditHook } from '../auth/service';
import type { Db } from '../store/database';

export interface AuditRecord {
  /** Null: the host's `workcell` command. */
  adminId: string | null;
  action: AuditAction;
  targetKind: AuditEntry['targetKind'];
  targetId: string;
  details?: Record<string, unknown>;
}

export async function recordAudit(tx: Db, record: AuditRecord): Promise<void> {
  await tx
    .insertInto('admin_audit')
    .values({
      admin_user_id: record.adminId,
      action: record.action,
      target_kind: record.targetKind,
      target_id: record.targetId,
      details: sql`${JSON.stringify(record.details ?? {})}::text::jsonb`,
    })
    .execute();
}

/** Audits a change to a user account, naming them too: readable after the account is deleted. */
export const auditUserChange =
  (adminId: string | null, action: AuditAction): AuditHook =>
  (tx, user) =>
    recordAudit(tx, {
      adminId,
      action,
      targetKind: 'user',
      targetId: user.id,
      details: { username: user.username },
    });

export async function readAuditLog(db: Db, limit: number): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom('admin_audit as a')
    .leftJoin('users as u', 'u.id', 'a.admin_user_id')
    .select([
      'a.id',
      'a.admin_user_id',
      'u.username',
      'a.action',
      'a.target_kind',
      'a.target_id',
      'a.details',
      'a.created_at',
    ])
    .orderBy('a.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    // A deleted administrator is still someone: their id says who it was.
    admin: row.admin_user_id === null ? null : (row.username ?? row.admin_user_id),
    action: row.action,
    targetKind: row.target_kind,
    targetId: row.target_id,
    details: row.details,
    createdAt: row.created_at.toISOString(),
  }));
}
