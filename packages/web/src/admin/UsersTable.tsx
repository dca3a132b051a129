/** Users, searched by name or email: disable or enable them, or end all their sessions. */
import type { AdminUser, AdminUserAction } from '@workcell/protocol';
import { useCallback, useState } from 'react';

import { useSession } from '../api/session';
import { Alert } from '../ui/Alert';
import { useNow } from '../ui/useNow';
import { AdminSection } from './AdminSection';
import { adminApi } from './api';
import { formatSize } from './format';
import { SearchBox } from './SearchBox';
import { useLoaded } from './useLoaded';
import { useRowAction } from './useRowAction';
import { When } from './When';

export function UsersTable({ onAction }: { onAction: () => void }) {
  const [q, setQ] = useState('');
  const loaded = useLoaded(useCallback(() => adminApi.users(q), [q]));
  const { reload } = loaded;
  const action = useRowAction(
    useCallback(() => {
      reload();
      onAction();
    }, [reload, onAction]),
  );
  const now = useNow();
  const { user: me } = useSession();

  const act = (user: AdminUser, what: AdminUserAction) => {
    void action.run(user.id, () => adminApi.actOnUser(user.id, what));
  };

  return (
    <AdminSection
      id="admin-users"
      title="Users"
      tools={<SearchBox label="Search users" onSearch={setQ} />}
      loaded={loaded}
      emptyText={q ? `No user matches “${q}”.` : 'No users yet.'}
      isEmpty={(data) => data.users.length === 0}
    >
      {(data) => (
        <>
          {action.failure && <Alert>{action.failure}</Alert>}
          {data.total > data.users.length && (
            <p className="card-note">
              The first {data.users.length} of {data.total} users; search to find others.
            </p>
          )}
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Email</th>
                <th scope="col">Storage</th>
                <th scope="col">Workspaces</th>
                <th scope="col">Last seen</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((user) => (
                <tr key={user.id}>
                  <th scope="row">
                    {user.username}
                    {user.admin && <span className="admin-badge">admin</span>}
                    {user.disabled && <span className="admin-badge danger">disabled</span>}
                  </th>
                  <td>{user.email}</td>
                  <td>{formatSize(user.storageBytes)}</td>
                  <td>{user.workspaceCount}</td>
                  <td>
                    <When iso={user.lastSeenAt} now={now} />
                  </td>
                  <td className="admin-actions">
                    <button
                      type="button"
                      className={user.disabled ? 'button' : 'button danger'}
                      aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.username}`}
                      disabled={action.busy === user.id || user.id === me?.id}
                      onClick={() => act(user, user.disabled ? 'enable' : 'disable')}
                    >
                      {user.disabled ? 'Enable' : 'Disable'}
                    </button>
                    <button
                      type="button"
                      className="button"
                      aria-label={`Sign out everywhere: ${user.username}`}
                      disabled={action.busy === user.id}
                      onClick={() => act(user, 'sign-out')}
                    >
                      Sign out everywhere
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
