import { join } from 'node:path';

import type { Config } from '../config';
import { formatIsolationReport, LocalCellDriver } from './local';

/** `workcell doctor`: prints what isolation this host provides; exit 1 when cells cannot start. */
export async function runDoctor(config: Config): Promise<number> {
  const driver = new LocalCellDriver({ cellsDir: join(config.DATA_DIR, 'cells') });
  const report = await driver.probe();
  console.log(formatIsolationReport(report));
  return report.usable ? 0 : 1;
}
