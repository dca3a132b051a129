/**
 * The dashboard: the user's workspaces, most recently opened first (the server's order),
 * with search by name, create (name + template), rename and delete.
 */
import type { Workspace } from '@workcell/protocol';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';

import { api } from '../api/api';
import { AppHeader } from '../app/AppHeader';
import { Alert } from '../ui/Alert';
import { ConfirmDialog } from '../ui/Dialog';
import { Loading } from '../ui/Loading';
import { calendarDay, exactTime, relativeTime } from '../ui/relativeTime';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { useNow } from '../ui/useNow';
import { failureMessage } from './failureMessage';
import { UsageSummary } from './UsageSummary';
import { CreateDialog, RenameDialog } from './WorkspaceDialogs';
import './DashboardPage.css';

type Loaded =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'ready'; workspaces: Workspace[] };

type Action =
  | { kind: 'create' }
  | { kind: 'rename'; workspace: Workspace }
  | { kind: 'delete'; workspace: Workspace };

export function DashboardPage() {
  useDocumentTitle('Your workspaces');
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [query, setQuery] = useState('');
  const [action, setAction] = useState<Action>();
  const [failure, setFailure] = useState<string>();
  const [deleting, setDeleting] = useState<ReadonlySet<string>>(new Set());
  const [usageRevision, setUsageRevision] = useState(0);
  const now = useNow();

  useEffect(() => {
    let live = true;
    api
      .listWorkspaces()
      .then((reply) => live && setLoaded({ state: 'ready', workspaces: reply.sessions }))
      .catch((error: unknown) => {
        if (live) setLoaded({ state: 'failed', message: failureMessage(error) });
      });
    return () => {
      live = false;
    };
  }, [attempt]);

  const retry = () => {
    setLoaded({ state: 'loading' });
    setAttempt((count) => count + 1);
  };

  const replace = useCallback((changed: Workspace) => {
    setLoaded((current) =>
      current.state === 'ready'
        ? {
            ...current,
            workspaces: current.workspaces.map((w) => (w.uuid === changed.uuid ? changed : w)),
          }
        : current,
    );
  }, []);

  const remove = async (workspace: Workspace) => {
    setAction(undefined);
    setFailure(undefined);
    setDeleting((current) => new Set(current).add(workspace.uuid));
    try {
      await api.deleteWorkspace({ uuid: workspace.uuid });
      setUsageRevision((count) => count + 1);
      setLoaded((current) =>
        current.state === 'ready'
          ? { ...current, workspaces: current.workspaces.filter((w) => w.uuid !== workspace.uuid) }
          : current,
      );
    } catch (error) {
      setFailure(`“${workspace.name}” was not deleted: ${failureMessage(error)}`);
    } finally {
      setDeleting((current) => {
        const next = new Set(current);
        next.delete(workspace.uuid);
        return next;
      });
    }
  };

  const openCreate = () => setAction({ kind: 'create' });

  let content: React.ReactNode;
  if (loaded.state === 'loading') {
    content = <Loading label="Loading your workspaces…" />;
  } else if (loaded.state === 'failed') {
    content = (
      <div className="dashboard-failed">
        <Alert>Your workspaces could not be loaded. {loaded.message}</Alert>
        <button type="button" className="button" onClick={retry}>
          Retry
        </button>
      </div>
    );
  } else if (loaded.workspaces.length === 0) {
    content = (
      <section className="dashboard-empty" aria-labelledby="dashboard-empty-title">
        <h2 id="dashboard-empty-title">No workspaces yet</h2>
        <p>
          A workspace keeps your Python files, with an editor and a terminal to run them. Create
          your first one to get started.
        </p>
        <button type="button" className="button primary" onClick={openCreate}>
          Create a workspace
        </button>
      </section>
    );
  } else {
    const needle = query.trim().toLowerCase();
    const shown = needle
      ? loaded.workspaces.filter((w) => w.name.toLowerCase().includes(needle))
      : loaded.workspaces;
    content = (
      <>
        <div className="dashboard-search">
          <input
            type="search"
            className="input"
            aria-label="Search workspaces"
            placeholder="Search by name"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
        </div>
        <p className="visually-hidden" role="status">
          {needle ? `${shown.length} of ${loaded.workspaces.length} workspaces match.` : ''}
        </p>
        {shown.length === 0 ? (
          <div className="dashboard-no-match">
            <p>No workspace name contains “{query.trim()}”.</p>
            <button type="button" className="button" onClick={() => setQuery('')}>
              Clear search
            </button>
          </div>
        ) : (
          <ul className="workspace-list" aria-label="Workspaces">
            {shown.map((workspace) => (
              <WorkspaceRow
                key={workspace.uuid}
                workspace={workspace}
                now={now}
                deleting={deleting.has(workspace.uuid)}
                onRename={() => setAction({ kind: 'rename', workspace })}
                onDelete={() => setAction({ kind: 'delete', workspace })}
              />
            ))}
          </ul>
        )}
      </>
    );
  }

  return (
    <div className="app-page">
      <AppHeader />
      <main className="app-main dashboard">
        <div className="dashboard-heading">
          <h1>Your workspaces</h1>
          <UsageSummary revision={usageRevision} />
          {loaded.state === 'ready' && loaded.workspaces.length > 0 && (
            <button type="button" className="button primary" onClick={openCreate}>
              + New workspace
            </button>
          )}
        </div>
        {failure && <Alert>{failure}</Alert>}
        {content}
      </main>
      {action?.kind === 'create' && <CreateDialog onClose={() => setAction(undefined)} />}
      {action?.kind === 'rename' && (
        <RenameDialog
          workspace={action.workspace}
          onClose={() => setAction(undefined)}
          onRenamed={(renamed) => {
            replace(renamed);
            setAction(undefined);
          }}
        />
      )}
      <ConfirmDialog
        open={action?.kind === 'delete'}
        title="Delete workspace?"
        danger
        confirmLabel="Delete"
        message={
          action?.kind === 'delete' && (
            <p className="dialog-message">
              Delete <strong>{action.workspace.name}</strong>? Its files are deleted for good; this
              cannot be undone.
            </p>
          )
        }
        onCancel={() => setAction(undefined)}
        onConfirm={() => {
          if (action?.kind === 'delete') void remove(action.workspace);
        }}
      />
    </div>
  );
}

function WorkspaceRow({
  workspace,
  now,
  deleting,
  onRename,
  onDelete,
}: {
  workspace: Workspace;
  now: Date;
  deleting: boolean;
  onRename: () => void;
  onDelete: () => void;
}) {
  const opened = new Date(workspace.openedAt);
  const created = new Date(workspace.createdAt);
  return (
    <li className={deleting ? 'workspace-card deleting' : 'workspace-card'}>
      <div className="workspace-card-text">
        <Link to={`/w/${workspace.uuid}`} className="workspace-card-link">
          {workspace.name}
        </Link>
        <p className="workspace-card-meta">
          <span>
            Opened{' '}
            <time dateTime={workspace.openedAt} title={exactTime(opened)}>
              {relativeTime(opened, now)}
            </time>
          </span>
          <span>
            Created{' '}
            <time dateTime={workspace.createdAt} title={exactTime(created)}>
              {calendarDay(created)}
            </time>
          </span>
        </p>
      </div>
      <div className="workspace-card-actions">
        {deleting ? (
          <span className="workspace-card-status" role="status">
            Deleting…
          </span>
        ) : (
          <>
            <button
              type="button"
              className="button"
              aria-label={`Rename ${workspace.name}`}
              onClick={onRename}
            >
              Rename
            </button>
            <button
              type="button"
              className="button danger-quiet"
              aria-label={`Delete ${workspace.name}`}
              onClick={onDelete}
            >
              Delete
            </button>
          </>
        )}
      </div>
    </li>
  );
}
