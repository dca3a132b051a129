/**
 * The admin API's calls, each reply checked against its protocol schema: the admin view
 * shows what the server said, or fails loudly when the two disagree.
 */
import {
  adminCellList,
  adminUserList,
  adminWorkspaceList,
  auditLog,
  egressRefusalList,
  stopCellReply,
  type AdminUserAction,
} from '@workcell/protocol';

import { api } from '../api/api';

export const adminApi = {
  users: async (q: string) => adminUserList.parse(await api.adminUsers({ query: { q } })),
  actOnUser: (id: string, action: AdminUserAction) => api.adminActOnUser({ id, action }),
  workspaces: async (q: string) =>
    adminWorkspaceList.parse(await api.adminWorkspaces({ query: { q } })),
  stopCell: async (workspaceId: string) =>
    stopCellReply.parse(await api.adminStopCell({ id: workspaceId })),
  cells: async () => adminCellList.parse(await api.adminCells()),
  egressRefusals: async () => egressRefusalList.parse(await api.adminEgressRefusals()),
  audit: async () => auditLog.parse(await api.adminAudit({ query: { limit: 50 } })),
};
