/**
 * Earlier versions of the active file: list, view, compare with the buffer, restore.
 */
import type { FileContent } from '@workcell/protocol';
import { useEffect, useState } from 'react';

import { request, workspaceUrl } from '../../api/client';
import { Dialog } from '../../ui/Dialog';
import { DiffView } from './DiffView';
import { baseName, formatSize, messageOf } from './paths';

export interface RevisionInfo {
  revision: number;
  version: number;
  size: number;
  reason: 'overwrite' | 'delete';
  createdAt: string;
}

export interface HistoryDialogProps {
  workspace: string;
  path: string;
  open: boolean;
  /** The buffer now, to compare a revision with. */
  current: () => string;
  onRestore: (revision: number) => Promise<void>;
  onClose: () => void;
}

/**
 * A revision's text. The server lists revisions but (so far) has no route for one
 * revision's content; `?revision=` is the one asked for, and until it exists the list
 * comes back instead and this says so.
 */
async function fetchRevision(workspace: string, path: string, revision: number): Promise<string> {
  const reply = await request<Partial<FileContent> & { revisions?: unknown }>(
    'GET',
    `${workspaceUrl(workspace, 'revisions', path)}?revision=${revision}`,
  );
  if (typeof reply.content !== 'string')
    throw new Error('This server cannot show an earlier version yet; you can still restore it.');
  if (reply.encoding === 'base64') throw new Error('That version is binary; restore it to see it.');
  return reply.content;
}

export function HistoryDialog({
  workspace,
  path,
  open,
  current,
  onRestore,
  onClose,
}: HistoryDialogProps) {
  const [revisions, setRevisions] = useState<RevisionInfo[]>();
  const [error, setError] = useState<string>();
  const [shown, setShown] = useState<{ revision: RevisionInfo; text: string; diff: boolean }>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    let live = true;
    request<{ revisions: RevisionInfo[] }>('GET', workspaceUrl(workspace, 'revisions', path))
      .then((reply) => live && setRevisions(reply.revisions))
      .catch((failure: unknown) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [open, workspace, path]);

  const show = (revision: RevisionInfo, diff: boolean) => {
    setError(undefined);
    setBusy(true);
    fetchRevision(workspace, path, revision.revision)
      .then((text) => setShown({ revision, text, diff }))
      .catch((failure: unknown) => setError(messageOf(failure)))
      .finally(() => setBusy(false));
  };

  const restore = (revision: RevisionInfo) => {
    setBusy(true);
    setError(undefined);
    onRestore(revision.revision)
      .then(onClose)
      .catch((failure: unknown) => setError(messageOf(failure)))
      .finally(() => setBusy(false));
  };

  return (
    <Dialog
      title={`History of ${baseName(path)}`}
      open={open}
      onClose={onClose}
      wide
      actions={
        <>
          {shown && (
            <button type="button" className="button" onClick={() => setShown(undefined)}>
              Back to the list
            </button>
          )}
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
        </>
      }
    >
      {error && (
        <p role="alert" className="history-error">
          {error}
        </p>
      )}
      {shown ? (
        <>
          <p>
            Version {shown.revision.version}, {new Date(shown.revision.createdAt).toLocaleString()}{' '}
            <button
              type="button"
              className="button"
              onClick={() => setShown({ ...shown, diff: !shown.diff })}
            >
              {shown.diff ? 'Show this version' : 'Compare with yours'}
            </button>{' '}
            <button
              type="button"
              className="button primary"
              disabled={busy}
              onClick={() => restore(shown.revision)}
            >
              Restore this version
            </button>
          </p>
          {shown.diff ? (
            <DiffView
              original={shown.text}
              modified={current()}
              path={path}
              originalLabel={`Version ${shown.revision.version}`}
              modifiedLabel="Yours now"
            />
          ) : (
            <pre
              className="revision-text"
              tabIndex={0}
              aria-label={`Version ${shown.revision.version}`}
            >
              {shown.text}
            </pre>
          )}
        </>
      ) : revisions === undefined ? (
        !error && <p>Loading the history…</p>
      ) : revisions.length === 0 ? (
        <p>No earlier versions: this file has not been overwritten or deleted yet.</p>
      ) : (
        <table className="history-table">
          <caption className="visually-hidden">Earlier versions of {path}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">Size</th>
              <th scope="col">Why kept</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {revisions.map((revision) => (
              <tr key={revision.revision}>
                <td>{revision.version}</td>
                <td>{new Date(revision.createdAt).toLocaleString()}</td>
                <td>{formatSize(revision.size)}</td>
                <td>{revision.reason === 'delete' ? 'deleted' : 'overwritten'}</td>
                <td className="history-actions">
                  <button
                    type="button"
                    className="button"
                    disabled={busy}
                    aria-label={`View version ${revision.version}`}
                    onClick={() => show(revision, false)}
                  >
                    View
                  </button>
                  <button
                    type="button"
                    className="button"
                    disabled={busy}
                    aria-label={`Compare version ${revision.version} with yours`}
                    onClick={() => show(revision, true)}
                  >
                    Compare
                  </button>
                  <button
                    type="button"
                    className="button"
                    disabled={busy}
                    aria-label={`Restore version ${revision.version}`}
                    onClick={() => restore(revision)}
                  >
                    Restore
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Dialog>
  );
}
