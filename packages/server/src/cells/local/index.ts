export { LocalCellDriver, type LocalDriverOptions } from './local-driver';
export { formatIsolationReport } from './probe';
export {
  assertHostUidBaseFree,
  CELL_USER_UID,
  HOST_UID_FIRST_BASE,
  HOST_UID_SLOTS,
  HOST_UID_STRIDE,
  hostUidBaseOfSlot,
  hostUidForSlot,
} from './uids';
