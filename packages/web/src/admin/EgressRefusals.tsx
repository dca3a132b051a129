/** What the egress proxy refused lately, as this server replica remembers it. */
import { useNow } from '../ui/useNow';
import { AdminSection } from './AdminSection';
import { adminApi } from './api';
import { useLoaded } from './useLoaded';
import { When } from './When';

export function EgressRefusals() {
  const loaded = useLoaded(adminApi.egressRefusals);
  const now = useNow();
  return (
    <AdminSection
      id="admin-egress"
      title="Recent proxy refusals"
      note="Kept in memory by each server replica since it started; the proxy's log has them all."
      loaded={loaded}
      emptyText="No connections have been refused since this server started."
      isEmpty={(data) => data.refusals.length === 0}
    >
      {(data) => (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Workspace</th>
              <th scope="col">Destination</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {data.refusals.map((refusal, index) => (
              <tr key={`${refusal.at}-${index}`}>
                <td>
                  <When iso={refusal.at} now={now} />
                </td>
                <td>{refusal.workspaceId ?? '—'}</td>
                <td>
                  {refusal.host}
                  {refusal.port !== null && `:${refusal.port}`}
                </td>
                <td>{refusal.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminSection>
  );
}
