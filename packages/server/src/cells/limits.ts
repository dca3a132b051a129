import { loadConfig, type Config } from '../config';
import type { CellLimits, CellTemplate } from './driver';
import { egressSettings } from './egress-env';

const MiB = 1024 * 1024;

/** The limits every cell gets, from the configuration (whose defaults are the documented ones). */
export function cellLimits(config: Config): CellLimits {
  return {
    memoryBytes: config.CELL_MEMORY_MIB * MiB,
    cpuCores: config.CELL_CPU_CORES,
    cpuPeriodUs: config.CELL_CPU_PERIOD_US,
    pids: config.CELL_PIDS,
    diskBytes: config.CELL_DISK_MIB * MiB,
    tmpBytes: config.CELL_TMP_MIB * MiB,
    homeBytes: config.CELL_HOME_MIB * MiB,
  };
}

/** The limits of a cell under the default configuration. */
export const defaultCellLimits = (): CellLimits => cellLimits(loadConfig({}));

/** What every cell of this server is made with, whichever workspace it serves. */
export function cellTemplate(config: Config): CellTemplate {
  return {
    limits: cellLimits(config),
    blockedCommands: config.CELL_BLOCKED_COMMANDS,
    egress: egressSettings(config),
  };
}
