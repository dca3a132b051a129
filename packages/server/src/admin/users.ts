/** The admin API's view of accounts and what an administrator may do to one. */
import type { AdminUser, AdminUserAction, AdminUserList } from '@workcell/protocol';
import { sql } from 'kysely';

import type { AuthenticatedUser, AuthService } from '../auth/service';
import { WorkcellError } from '../errors';
import type { Db } from '../store/database';
import { auditUserChange } from './audit';
import { containsPattern } from './search';

export async function listUsers(
  db: Db,
  auth: AuthService,
  query: { q?: string | undefined; limit: number; offset: number },
): Promise<AdminUserList> {
  const matching = db.selectFrom('users as u').$if(Boolean(query.q), (qb) => {
    const pattern = containsPattern(query.q!);
    return qb.where((eb) =>
      eb.or([eb('u.username', 'ilike', pattern), eb('u.email', 'ilike', pattern)]),
    );
  });
  const [rows, count] = await Promise.all([
    matching
      .select((eb) => [
        'u.id',
        'u.username',
        'u.email',
        'u.created_at',
        'u.stored_bytes',
        'u.disabled_at',
        'u.is_admin',
        eb
          .selectFrom('login_tokens as t')
          .whereRef('t.user_id', '=', 'u.id')
          .select((inner) => inner.fn.max('t.last_used_at').as('at'))
          .as('last_seen_at'),
        eb
          .selectFrom('workspaces as w')
          .whereRef('w.owner_id', '=', 'u.id')
          .select(sql<number>`count(*)`.as('n'))
          .as('workspace_count'),
      ])
      .orderBy('u.username')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
    matching.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    users: rows.map((row): AdminUser => ({
      id: row.id,
      username: row.username,
      email: row.email,
      createdAt: row.created_at.toISOString(),
      lastSeenAt: row.last_seen_at ? new Date(row.last_seen_at).toISOString() : null,
      storageBytes: row.stored_bytes,
      workspaceCount: row.workspace_count ?? 0,
      disabled: row.disabled_at !== null,
      admin: auth.isAdmin(row),
    })),
    total: count.n,
  };
}

const AUDITED = {
  disable: 'user.disable',
  enable: 'user.enable',
  'sign-out': 'user.sign-out',
} as const;

/** Disables, enables or signs out everywhere the user `userId`, with its audit row. */
export async function actOnUser(
  auth: AuthService,
  admin: AuthenticatedUser,
  userId: string,
  action: AdminUserAction,
): Promise<void> {
  // An administrator locking themselves out would need the host's shell to undo it.
  if (action === 'disable' && userId === admin.id)
    throw new WorkcellError('FORBIDDEN', 'You cannot disable your own account.');
  const ref = { id: userId };
  const audit = auditUserChange(admin.id, AUDITED[action]);
  if (action === 'sign-out') await auth.signOutEverywhere(ref, audit);
  else await auth.setDisabled(ref, action === 'disable', audit);
}
