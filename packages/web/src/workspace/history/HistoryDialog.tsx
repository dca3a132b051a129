/**
 * The history of the active file: its versions as a timeline; the selected one compared
 * side by side with the content now (Monaco's diff editor), or for binary content just its
 * size; restoring one makes it the file's new version, and what it replaces stays in the
 * history.
 */
import type { Revision } from '@workcell/protocol';
import { useEffect, useMemo, useRef, useState } from 'react';

import { api } from '../../api/api';
import { Dialog } from '../../ui/Dialog';
import { DiffView } from '../editor/DiffView';
import { baseName, formatSize, messageOf } from '../editor/paths';
import { Timeline } from './Timeline';
import { dayLabel, timeOfDay, timeline, whoMadeIt } from './timeline';
import './History.css';

export interface HistoryDialogProps {
  workspace: string;
  path: string;
  open: boolean;
  /** The buffer now, to compare a revision with. */
  current: () => string;
  onRestore: (revision: number) => Promise<void>;
  onClose: () => void;
}

/** A version's text, or null when it is binary. */
async function versionText(workspace: string, path: string, revision: number) {
  const reply = await api.revisions({
    uuid: workspace,
    path,
    query: { revision: String(revision) },
  });
  if (!('content' in reply)) throw new Error(`Revision ${revision} of ${path} did not come back.`);
  return reply.encoding === 'utf-8' ? reply.content : null;
}

export function HistoryDialog({
  workspace,
  path,
  open,
  current,
  onRestore,
  onClose,
}: HistoryDialogProps) {
  const [revisions, setRevisions] = useState<Revision[]>();
  const [error, setError] = useState<string>();
  const [selectedId, setSelectedId] = useState<number>();
  const [loaded, setLoaded] = useState<{ revision: number; text: string | null }>();
  const [confirming, setConfirming] = useState<Revision>();
  const [busy, setBusy] = useState(false);
  const list = useRef<HTMLDivElement>(null);

  const days = useMemo(() => timeline(revisions ?? [], new Date()), [revisions]);
  const selected = revisions?.find((revision) => revision.revision === selectedId);
  /** The selected version's text, null when binary, undefined while it loads. */
  const text = loaded?.revision === selectedId ? loaded?.text : undefined;

  useEffect(() => {
    if (!open) return;
    let live = true;
    api
      .revisions({ uuid: workspace, path })
      .then((reply) => {
        if (!live || !('revisions' in reply)) return;
        setRevisions(reply.revisions);
        // The newest version is selected at first, so the dialog opens on a comparison.
        setSelectedId(reply.revisions[0]?.revision);
      })
      .catch((failure: unknown) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [open, workspace, path]);

  useEffect(() => {
    if (selectedId === undefined) return;
    let live = true;
    versionText(workspace, path, selectedId)
      .then((content) => live && setLoaded({ revision: selectedId, text: content }))
      .catch((failure: unknown) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [workspace, path, selectedId]);

  const select = (revision: Revision) => {
    setConfirming(undefined);
    setSelectedId(revision.revision);
  };

  const restore = (revision: Revision) => {
    setBusy(true);
    setError(undefined);
    onRestore(revision.revision)
      .then(onClose)
      .catch((failure: unknown) => setError(messageOf(failure)))
      .finally(() => setBusy(false));
  };

  const when = (revision: Revision) => {
    const at = new Date(revision.savedAt);
    return `${dayLabel(at, new Date())}, ${timeOfDay(at)}`;
  };

  return (
    <Dialog
      title={`History of ${baseName(path)}`}
      open={open}
      onClose={onClose}
      wide
      actions={
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      }
    >
      {error && (
        <p role="alert" className="history-error">
          {error}
        </p>
      )}
      {revisions === undefined ? (
        !error && <p>Loading the history…</p>
      ) : revisions.length === 0 ? (
        <p>
          No earlier versions yet: each save, change in the terminal or upload keeps the content it
          replaces here.
        </p>
      ) : (
        <div className="history-layout">
          <Timeline
            ref={list}
            days={days}
            selected={selectedId}
            onSelect={select}
            onRestoreRequest={setConfirming}
          />
          {selected && (
            <section className="history-detail" aria-label="Selected version">
              <div className="history-detail-bar">
                <p>
                  {when(selected)}: {whoMadeIt(selected.source)}, {formatSize(selected.size)}
                </p>
                <button
                  type="button"
                  className="button primary"
                  disabled={busy}
                  onClick={() => restore(selected)}
                >
                  Restore this version
                </button>
              </div>
              {confirming && (
                <div className="history-confirm" role="alertdialog" aria-label="Restore?">
                  <p>
                    Restore the version from {when(confirming)}? What the file holds now stays in
                    its history.
                  </p>
                  <button
                    type="button"
                    className="button primary"
                    disabled={busy}
                    autoFocus
                    onClick={() => restore(confirming)}
                  >
                    Restore
                  </button>
                  <button
                    type="button"
                    className="button"
                    onClick={() => {
                      setConfirming(undefined);
                      list.current?.focus();
                    }}
                  >
                    Cancel
                  </button>
                </div>
              )}
              {text === undefined ? (
                <p>Loading this version…</p>
              ) : text === null ? (
                <p>
                  This version is binary ({formatSize(selected.size)}), so it cannot be compared
                  here; it can still be restored.
                </p>
              ) : (
                <DiffView
                  original={text}
                  modified={current()}
                  path={path}
                  originalLabel={`${when(selected)} (earlier)`}
                  modifiedLabel="Now"
                />
              )}
            </section>
          )}
        </div>
      )}
    </Dialog>
  );
}
