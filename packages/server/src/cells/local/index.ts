export { LocalCellDriver, type LocalDriverOptions } from './local-driver';
