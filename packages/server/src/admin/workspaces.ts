/**
 * The admin API's view of workspaces and their cells. Cell states come from the cells
 * table (every replica's); CPU and memory only for the cells this replica runs, since
 * only it holds their agents.
 */
import type { AdminCell, AdminWorkspace, CellState } from '@workcell/protocol';

import type { AuthenticatedUser } from '../auth/service';
import type { CellManager } from '../cells/manager';
import { WorkcellError } from '../errors';
import type { Db } from '../store/database';
import { recordAudit } from './audit';
import { cellUsages } from './cell-usage';
import { containsPattern } from './search';

const RUNNING: readonly CellState[] = ['starting', 'ready'];

const withOwnerAndCell = (db: Db) =>
  db
    .selectFrom('workspaces as w')
    .innerJoin('users as u', 'u.id', 'w.owner_id')
    .leftJoin('cells as c', 'c.workspace_id', 'w.id');

export async function listWorkspaces(
  db: Db,
  cells: CellManager,
  query: { q?: string | undefined; limit: number },
): Promise<AdminWorkspace[]> {
  const rows = await withOwnerAndCell(db)
    .select(['w.id', 'w.name', 'w.size_bytes', 'u.username', 'c.state'])
    .$if(Boolean(query.q), (qb) => {
      const pattern = containsPattern(query.q!);
      return qb.where((eb) =>
        eb.or([eb('w.name', 'ilike', pattern), eb('u.username', 'ilike', pattern)]),
      );
    })
    .orderBy('w.opened_at', 'desc')
    .limit(query.limit)
    .execute();
  const usages = await cellUsages(
    cells,
    rows.filter((row) => row.state !== null && RUNNING.includes(row.state)).map((row) => row.id),
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    owner: row.username,
    sizeBytes: row.size_bytes,
    cellState: row.state,
    usage: usages.get(row.id) ?? null,
  }));
}

/** Running cells, the heaviest first: memory, then CPU; those without figures last. */
export async function runningCells(db: Db, cells: CellManager): Promise<AdminCell[]> {
  const rows = await withOwnerAndCell(db)
    .select(['w.id', 'w.name', 'u.username', 'c.state', 'c.started_at'])
    .where('c.state', 'in', RUNNING)
    .execute();
  const usages = await cellUsages(
    cells,
    rows.map((row) => row.id),
  );
  const listed = rows.map((row) => ({
    workspaceId: row.id,
    workspaceName: row.name,
    owner: row.username,
    state: row.state!,
    startedAt: row.started_at?.toISOString() ?? null,
    usage: usages.get(row.id) ?? null,
  }));
  const memory = (cell: AdminCell) => cell.usage?.memoryBytes ?? -1;
  const cpu = (cell: AdminCell) => cell.usage?.cpuPercent ?? -1;
  return listed.sort((a, b) => memory(b) - memory(a) || cpu(b) - cpu(a));
}

/**
 * Stops the workspace's cell if this replica runs it, and records that an administrator
 * asked (with whether a cell was stopped): stopping is no database change to share a
 * transaction with, so the row follows it.
 */
export async function stopCell(
  db: Db,
  cells: CellManager,
  admin: AuthenticatedUser,
  workspaceId: string,
): Promise<boolean> {
  const workspace = await db
    .selectFrom('workspaces')
    .select('name')
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  if (!workspace) throw new WorkcellError('WORKSPACE_NOT_FOUND');
  const stopped = await cells.stop(workspaceId, 'stopped by an administrator');
  await recordAudit(db, {
    adminId: admin.id,
    action: 'cell.stop',
    targetKind: 'workspace',
    targetId: workspaceId,
    details: { name: workspace.name, stopped },
  });
  return stopped;
}
