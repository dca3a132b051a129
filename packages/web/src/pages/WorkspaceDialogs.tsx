/** The dashboard's dialogs: create a workspace from a template, and rename one. */
import {
  workspaceName,
  workspaceTemplate,
  type Workspace,
  type WorkspaceTemplate,
} from '@workcell/protocol';
import { useId, useRef, useState } from 'react';
import { useNavigate } from 'react-router';

import { api } from '../api/api';
import { ApiError } from '../api/client';
import { Dialog } from '../ui/Dialog';
import { SubmitForm } from '../ui/SubmitForm';
import { TextField } from '../ui/TextField';
import { useSubmission } from '../ui/useSubmission';
import { validateField } from '../ui/validation';
import { failureMessage } from './failureMessage';

const templates: Record<WorkspaceTemplate, { title: string; description: string }> = {
  script: { title: 'Python script', description: 'A starter script.py to run with ▶ Run.' },
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
          return `${failurePrefix}: ${failureMessage(error)}`;
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

export function CreateDialog({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [template, setTemplate] = useState<WorkspaceTemplate>('script');
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

export function RenameDialog({
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
