import type { Config } from '../config';
import { createCellDriver } from './drivers';
import { formatIsolationReport } from './isolation-report';

/** `workcell doctor`: prints what isolation this host provides; exit 1 when cells cannot start. */
export async function runDoctor(config: Config): Promise<number> {
  const report = await createCellDriver(config).probe();
  console.log(formatIsolationReport(report));
  return report.usable ? 0 : 1;
}
