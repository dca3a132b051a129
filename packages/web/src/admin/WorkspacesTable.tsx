/** Workspaces, searched by name or owner, with their cell: stop a running one. */
import { useCallback, useState } from 'react';

import { Alert } from '../ui/Alert';
import { AdminSection } from './AdminSection';
import { adminApi } from './api';
import { formatCpu, formatMemory, formatSize } from './format';
import { SearchBox } from './SearchBox';
import { useLoaded } from './useLoaded';
import { useRowAction } from './useRowAction';

const RUNNING = new Set(['starting', 'ready']);

export function WorkspacesTable({ onAction }: { onAction: () => void }) {
  const [q, setQ] = useState('');
  const loaded = useLoaded(useCallback(() => adminApi.workspaces(q), [q]));
  const { reload } = loaded;
  const action = useRowAction(
    useCallback(() => {
      reload();
      onAction();
    }, [reload, onAction]),
  );

  return (
    <AdminSection
      id="admin-workspaces"
      title="Workspaces"
      note="CPU and memory are measured now, for cells running on this server."
      tools={<SearchBox label="Search workspaces" onSearch={setQ} />}
      loaded={loaded}
      emptyText={q ? `No workspace matches “${q}”.` : 'No workspaces yet.'}
      isEmpty={(data) => data.workspaces.length === 0}
    >
      {(data) => (
        <>
          {action.failure && <Alert>{action.failure}</Alert>}
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                <th scope="col">Owner</th>
                <th scope="col">Size</th>
                <th scope="col">Cell</th>
                <th scope="col">CPU</th>
                <th scope="col">Memory</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.workspaces.map((workspace) => (
                <tr key={workspace.id}>
                  <th scope="row">{workspace.name}</th>
                  <td>{workspace.owner}</td>
                  <td>{formatSize(workspace.sizeBytes)}</td>
                  <td>{workspace.cellState ?? 'never started'}</td>
                  <td>{formatCpu(workspace.usage)}</td>
                  <td>{formatMemory(workspace.usage)}</td>
                  <td className="admin-actions">
                    <button
                      type="button"
                      className="button"
                      aria-label={`Stop cell of ${workspace.name} (${workspace.owner})`}
                      disabled={
                        action.busy === workspace.id || !RUNNING.has(workspace.cellState ?? '')
                      }
                      onClick={() => {
                        void action.run(workspace.id, () => adminApi.stopCell(workspace.id));
                      }}
                    >
                      Stop cell
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </AdminSection>
  );
}
