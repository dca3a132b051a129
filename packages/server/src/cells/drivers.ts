/**
 * The cell drivers this server can run, chosen by CELL_DRIVER. A driver is a folder beside
 * local/ implementing driver.ts, and one entry here.
 */
import { join } from 'node:path';

import type { Config } from '../config';
import type { CellDriver } from './driver';
import { LocalCellDriver } from './local';

const DRIVERS: Record<Config['CELL_DRIVER'], (config: Config) => CellDriver> = {
  local: (config) => new LocalCellDriver({ cellsDir: join(config.DATA_DIR, 'cells') }),
};

export function createCellDriver(config: Config): CellDriver {
  return DRIVERS[config.CELL_DRIVER](config);
}
