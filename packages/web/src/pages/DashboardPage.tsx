/**
 * The dashboard: the user's workspaces, most recently opened first (the server's order),
 * with search by name, create (name + template), rename and delete.
 */
import {
  workspaceName,
  workspaceTemplate,
  type Workspace,
  type WorkspaceTemplate,
} from '@workcell/protocol';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';

import { api } from '../api/api';
import { ApiError } from '../api/client';
import { AppHeader } from '../app/AppHeader';
import { Alert } from '../ui/Alert';
import { ConfirmDialog, Dialog } from '../ui/Dialog';
import { Loading } from '../ui/Loading';
import { calendarDay, exactTime, relativeTime } from '../ui/relativeTime';
import { SubmitForm } from '../ui/SubmitForm';
import { TextField } from '../ui/TextField';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { useNow } from '../ui/useNow';
import { useSubmission } from '../ui/useSubmission';
import { validateField } from '../ui/validation';
import { UsageSummary } from './UsageSummary';
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
        if (live) setLoaded({ state: 'failed', message: describe(error) });
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
      setFailure(`“${workspace.name}” was not deleted: ${describe(error)}`);
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

function describe(error: unknown): string {
  if (error instanceof ApiError && error.code === 'NETWORK')
    return 'The server cannot be reached; check your connection.';
  return error instanceof Error ? error.message : String(error);
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

const templates: Record<WorkspaceTemplate, { title: string; description: string }> = {
  empty: { title: 'Empty', description: 'No files: start from scratch.' },
  'hello-numpy': { title: 'Hello numpy', description: 'A script.py that computes with numpy.' },
  'pandas-csv': {
    title: 'pandas CSV analysis',
    description: 'analysis.py reading data/sales.csv with pandas.',
  },
};

const nameError = (value: string) =>
  validateField(workspaceName, value, 'Give the workspace a name.');

/** The name field of the create and rename dialogs, with its error shown after a first try. */
function useNameField(initial: string) {
  const [name, setName] = useState(initial);
  const [checked, setChecked] = useState(false);
  const [serverError, setServerError] = useState<string>();
  const error = nameError(name);
  return {
    name,
    error: (checked && error) || serverError,
    input: {
      value: name,
      onChange: (event: React.ChangeEvent<HTMLInputElement>) => {
        setName(event.target.value);
        setServerError(undefined);
      },
      onBlur: () => setChecked(true),
    },
    /** True when the name may be sent; shows the error otherwise. */
    check: () => {
      setChecked(true);
      return error === undefined;
    },
    setServerError,
  };
}

/**
 * The create and rename dialogs: a workspace name (and whatever `children` add) sent by
 * `send`. Sending the `unchangedName` again just closes the dialog.
 */
function NameDialog({
  title,
  initialName,
  unchangedName,
  submitLabel,
  pendingLabel,
  failurePrefix,
  selectOnFocus = false,
  onClose,
  send,
  children,
}: {
  title: string;
  initialName: string;
  unchangedName?: string;
  submitLabel: string;
  pendingLabel: string;
  failurePrefix: string;
  selectOnFocus?: boolean;
  onClose: () => void;
  send: (name: string) => Promise<void>;
  children?: React.ReactNode;
}) {
  const formId = useId();
  const field = useNameField(initialName);
  const nameInput = useRef<HTMLInputElement>(null);
  const { pending, failure, submit } = useSubmission();

  const onSubmit = () => {
    if (!field.check()) {
      nameInput.current?.focus();
      return;
    }
    const name = field.name.trim();
    if (name === unchangedName) {
      onClose();
      return;
    }
    void submit(
      () => send(name),
      (error) => {
        if (!(error instanceof ApiError && error.code === 'VALIDATION_FAILED'))
          return `${failurePrefix}: ${describe(error)}`;
        field.setServerError(error.message);
        return undefined;
      },
    );
  };

  return (
    <Dialog
      title={title}
      open
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button primary" disabled={pending}>
            {pending ? pendingLabel : submitLabel}
          </button>
        </>
      }
    >
      <SubmitForm id={formId} failure={failure} onSubmit={onSubmit}>
        <TextField
          ref={nameInput}
          label="Name"
          autoFocus
          autoComplete="off"
          maxLength={100}
          error={field.error}
          onFocus={selectOnFocus ? (event) => event.currentTarget.select() : undefined}
          {...field.input}
        />
        {children}
      </SubmitForm>
    </Dialog>
  );
}

function CreateDialog({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [template, setTemplate] = useState<WorkspaceTemplate>('empty');
  return (
    <NameDialog
      title="New workspace"
      initialName=""
      submitLabel="Create workspace"
      pendingLabel="Creating…"
      failurePrefix="The workspace was not created"
      onClose={onClose}
      send={async (name) => {
        const created = await api.createWorkspace({ body: { name, template } });
        void navigate(`/w/${created.uuid}`);
      }}
    >
      <fieldset className="template-picker">
        <legend className="field-label">Start with</legend>
        {workspaceTemplate.options.map((option) => (
          <label
            key={option}
            className={option === template ? 'template-card selected' : 'template-card'}
          >
            <input
              type="radio"
              name="template"
              value={option}
              checked={option === template}
              onChange={() => setTemplate(option)}
            />
            <span className="template-card-text">
              <span className="template-card-title">{templates[option].title}</span>
              <span className="template-card-description">{templates[option].description}</span>
            </span>
          </label>
        ))}
      </fieldset>
    </NameDialog>
  );
}

function RenameDialog({
  workspace,
  onClose,
  onRenamed,
}: {
  workspace: Workspace;
  onClose: () => void;
  onRenamed: (workspace: Workspace) => void;
}) {
  return (
    <NameDialog
      title={`Rename “${workspace.name}”`}
      initialName={workspace.name}
      unchangedName={workspace.name}
      submitLabel="Rename"
      pendingLabel="Renaming…"
      failurePrefix="The workspace was not renamed"
      selectOnFocus
      onClose={onClose}
      send={async (name) => {
        onRenamed(await api.renameWorkspace({ uuid: workspace.uuid, body: { name } }));
      }}
    />
  );
}
