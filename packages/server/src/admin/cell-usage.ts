/**
 * What running cells use now: two `stats` samples of each cell's agent a moment apart
 * (its CPU time only grows, so its rate is the difference), all cells at once, each
 * bounded in time so one stuck cell cannot hold up the admin view.
 */
import type { CellUsage } from '@workcell/protocol';

import type { CellManager } from '../cells/manager';

const SAMPLE_GAP_MS = 250;
const STATS_TIMEOUT_MS = 2000;

async function usageOf(cells: CellManager, workspaceId: string): Promise<CellUsage | undefined> {
  const cell = cells.get(workspaceId);
  if (!cell) return undefined;
  // Asked of the agent directly: looking at a cell is not using it (the reaper still may stop it).
  const sample = async () => {
    const { result } = await cell.agent.request({ op: 'stats' }, undefined, STATS_TIMEOUT_MS);
    return { ...result, at: performance.now() };
  };
  try {
    const first = await sample();
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_GAP_MS));
    const second = await sample();
    const cpuMs = Math.max(0, second.cpuMs - first.cpuMs);
    return {
      cpuPercent: Math.round((cpuMs / (second.at - first.at)) * 1000) / 10,
      memoryBytes: Math.round(second.memoryBytes),
    };
  } catch {
    // Stopped meanwhile, or too slow to answer: shown as unknown.
    return undefined;
  }
}

/** The use of those of `workspaceIds` whose cell runs on this replica. */
export async function cellUsages(
  cells: CellManager,
  workspaceIds: readonly string[],
): Promise<Map<string, CellUsage>> {
  const usages = await Promise.all(workspaceIds.map((id) => usageOf(cells, id)));
  const byWorkspace = new Map<string, CellUsage>();
  workspaceIds.forEach((id, index) => {
    const usage = usages[index];
    if (usage) byWorkspace.set(id, usage);
  });
  return byWorkspace;
}
