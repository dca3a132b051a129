/**
 * The admin view: users, workspaces, running cells, egress refusals and the audit log.
 * Shown to administrators only; the server refuses its API to anyone else regardless.
 */
import { useCallback, useState } from 'react';
import { Link, Navigate } from 'react-router';

import { useSession } from '../api/session';
import { AppHeader } from '../app/AppHeader';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { AuditLog } from './AuditLog';
import { CellsTable } from './CellsTable';
import { EgressRefusals } from './EgressRefusals';
import { UsersTable } from './UsersTable';
import { WorkspacesTable } from './WorkspacesTable';
import './AdminPage.css';

export function AdminPage() {
  useDocumentTitle('Administration');
  const { user } = useSession();
  /** Counts the actions taken here, so the lists they change load again. */
  const [actions, setActions] = useState(0);
  const acted = useCallback(() => setActions((count) => count + 1), []);
  if (!user?.admin) return <Navigate to="/" replace />;
  return (
    <div className="app-page">
      <AppHeader />
      <main className="app-main admin">
        <Link to="/" className="back-link">
          ← Back to your workspaces
        </Link>
        <h1>Administration</h1>
        <UsersTable onAction={acted} />
        <WorkspacesTable onAction={acted} />
        <CellsTable revision={actions} />
        <EgressRefusals />
        <AuditLog revision={actions} />
      </main>
    </div>
  );
}
