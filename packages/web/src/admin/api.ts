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

import { request } from '../api/client';

interface Schema<T> {
  parse(value: unknown): T;
}

async function get<T>(schema: Schema<T>, path: string): Promise<T> {
  return schema.parse(await request<unknown>('GET', path));
}

const query = (params: Record<string, string | undefined>) => {
  const defined = Object.entries(params).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
  );
  return defined.length ? `?${new URLSearchParams(defined).toString()}` : '';
};

export const adminApi = {
  users: (q: string) => get(adminUserList, `/api/users/${query({ q })}`),
  actOnUser: (id: string, action: AdminUserAction) =>
    request('POST', `/api/admin/users/${id}/${action}`),
  workspaces: (q: string) => get(adminWorkspaceList, `/api/admin/workspaces${query({ q })}`),
  stopCell: async (workspaceId: string) =>
    stopCellReply.parse(
      await request<unknown>('POST', `/api/admin/workspaces/${workspaceId}/stop-cell`),
    ),
  cells: () => get(adminCellList, '/api/admin/cells'),
  egressRefusals: () => get(egressRefusalList, '/api/admin/egress-refusals'),
  audit: () => get(auditLog, '/api/admin/audit?limit=50'),
};
