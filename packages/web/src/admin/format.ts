/** How the admin tables show figures. */
import type { CellUsage } from '@workcell/protocol';

import { formatSize } from '../workspace/editor/paths';

export { formatSize };

export const formatCpu = (usage: CellUsage | null) =>
  usage ? `${usage.cpuPercent.toFixed(1)} %` : '—';

export const formatMemory = (usage: CellUsage | null) =>
  usage ? formatSize(usage.memoryBytes) : '—';
