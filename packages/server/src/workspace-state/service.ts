/**
 * Each user's remembered state of each of their workspaces (tabs, layout, terminals, run
 * configurations): one JSON document per (user, workspace), replaced whole by each save.
 */
import { emptyWorkspaceState, readWorkspaceState, type WorkspaceState } from '@workcell/protocol';
import { sql } from 'kysely';

import type { Db } from '../store/database';

export class WorkspaceStateService {
  constructor(private readonly db: Db) {}

  /** The stored state read with today's schema, or the empty state when none was saved. */
  async get(userId: string, workspaceId: string): Promise<WorkspaceState> {
    const row = await this.db
      .selectFrom('workspace_state')
      .select('state')
      .where('user_id', '=', userId)
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return row ? readWorkspaceState(row.state) : emptyWorkspaceState();
  }

  async put(userId: string, workspaceId: string, state: WorkspaceState): Promise<void> {
    const json = JSON.stringify(state);
    await this.db
      .insertInto('workspace_state')
      .values({
        workspace_id: workspaceId,
        user_id: userId,
        state: sql`${json}::text::jsonb`,
        updated_at: new Date(),
      })
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'user_id']).doUpdateSet({
          state: sql`excluded.state`,
          updated_at: new Date(),
        }),
      )
      .execute();
  }
}
