/** The audit log: which administrator did what to whom, newest first. */
import type { AuditEntry } from '@workcell/protocol';

import { useNow } from '../ui/useNow';
import { AdminSection } from './AdminSection';
import { adminApi } from './api';
import { useLoaded } from './useLoaded';
import { When } from './When';

const ACTIONS: Record<AuditEntry['action'], string> = {
  'user.disable': 'disabled',
  'user.enable': 'enabled',
  'user.sign-out': 'signed out everywhere',
  'user.grant-admin': 'made administrator',
  'user.revoke-admin': 'no longer administrator',
  'cell.stop': 'stopped the cell of',
};

/** The name the entry recorded for its target (it outlives a deleted one), else its id. */
const targetName = (entry: AuditEntry) => {
  const { username, name } = entry.details;
  const recorded = entry.targetKind === 'user' ? username : name;
  return typeof recorded === 'string' ? recorded : entry.targetId;
};

/** `revision` changes after each action taken on this page. */
export function AuditLog({ revision }: { revision: number }) {
  const loaded = useLoaded(adminApi.audit, revision);
  const now = useNow();
  return (
    <AdminSection
      id="admin-audit"
      title="Audit log"
      note="Every administrative action, from this page or the workcell command, newest first."
      loaded={loaded}
      emptyText="No administrative actions yet."
      isEmpty={(data) => data.entries.length === 0}
    >
      {(data) => (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {data.entries.map((entry) => (
              <tr key={entry.id}>
                <td>
                  <When iso={entry.createdAt} now={now} />
                </td>
                <td>{entry.admin ?? 'workcell command'}</td>
                <td>{ACTIONS[entry.action]}</td>
                <td>
                  {entry.targetKind} {targetName(entry)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminSection>
  );
}
