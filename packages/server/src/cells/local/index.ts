export { LocalCellDriver, type LocalDriverOptions } from './local-driver';
export { formatIsolationReport } from './probe';
