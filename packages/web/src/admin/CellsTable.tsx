/** Running cells, the heaviest first (the server sorts them: memory, then CPU). */
import { useNow } from '../ui/useNow';
import { AdminSection } from './AdminSection';
import { adminApi } from './api';
import { formatCpu, formatMemory } from './format';
import { useLoaded } from './useLoaded';
import { When } from './When';

/** `revision` changes when an action elsewhere on the page may have stopped a cell. */
export function CellsTable({ revision }: { revision: number }) {
  const loaded = useLoaded(adminApi.cells, revision);
  const now = useNow();
  return (
    <AdminSection
      id="admin-cells"
      title="Running cells"
      note="Figures are shown for cells running on this server; other replicas' cells show a dash."
      loaded={loaded}
      emptyText="No cells are running."
      isEmpty={(data) => data.cells.length === 0}
    >
      {(data) => (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">Workspace</th>
              <th scope="col">Owner</th>
              <th scope="col">State</th>
              <th scope="col">Started</th>
              <th scope="col">Memory</th>
              <th scope="col">CPU</th>
            </tr>
          </thead>
          <tbody>
            {data.cells.map((cell) => (
              <tr key={cell.workspaceId}>
                <th scope="row">{cell.workspaceName}</th>
                <td>{cell.owner}</td>
                <td>{cell.state}</td>
                <td>
                  <When iso={cell.startedAt} now={now} />
                </td>
                <td>{formatMemory(cell.usage)}</td>
                <td>{formatCpu(cell.usage)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminSection>
  );
}
