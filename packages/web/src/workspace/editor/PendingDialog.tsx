/**
 * The choice between the server's copy of a file and this tab's: after a refused save
 * (conflict), a change on disk under unsaved edits, or a draft from an earlier visit. Both
 * versions are shown; Compare switches to Monaco's diff (theirs left, mine right).
 */
import { useState } from 'react';

import { Dialog } from '../../ui/Dialog';
import { DiffView } from './DiffView';
import type { Pending } from './docs';
import { baseName } from './paths';

export interface PendingDialogProps {
  path: string;
  pending: Pending;
  /** This tab's text (the draft's, for a draft). */
  mine: string;
  open: boolean;
  startInCompare: boolean;
  onTakeTheirs: () => void;
  onKeepMine: () => void;
  onClose: () => void;
}

export function pendingLabels(pending: Pending) {
  const deleted = pending.current === null;
  if (pending.kind === 'draft')
    return {
      theirs: 'Discard',
      mine: 'Restore',
      theirsSide: 'On the server',
      mineSide: 'Unsaved draft',
    };
  if (deleted)
    return {
      theirs: 'Discard mine',
      mine: 'Recreate it',
      theirsSide: 'Deleted',
      mineSide: 'Yours',
    };
  return {
    theirs: 'Take theirs',
    mine: 'Keep mine',
    theirsSide: 'On the server',
    mineSide: 'Yours',
  };
}

export function pendingTitle(path: string, pending: Pending): string {
  const name = baseName(path);
  if (pending.kind === 'draft')
    return `Restore unsaved changes to ${name} from ${new Date(pending.draft.savedAt).toLocaleString()}?`;
  if (pending.current === null) return `${name} was deleted on the server`;
  if (pending.kind === 'conflict') return `${name} was changed by someone else`;
  return `${name} changed on disk`;
}

export function PendingDialog(props: PendingDialogProps) {
  const { path, pending, mine, open } = props;
  const [compare, setCompare] = useState(props.startInCompare);
  const labels = pendingLabels(pending);
  const theirs = pending.current?.content;
  const version = pending.current ? ` (version ${pending.current.version})` : '';

  let message: string;
  if (pending.kind === 'draft')
    message =
      pending.current === null
        ? 'This browser kept edits to a file that no longer exists on the server.'
        : 'This browser kept edits that were never saved. Restore them into the editor, or discard them.';
  else if (pending.current === null)
    message =
      'The file was deleted while you had unsaved changes. Recreate it with your text, or discard your changes and close it.';
  else if (pending.kind === 'conflict')
    message = `Your save was refused: the file on the server is newer${version}. Choose which text to keep; nothing is lost until you choose.`;
  else message = `The file changed on disk${version} while you had unsaved changes.`;

  return (
    <Dialog
      title={pendingTitle(path, pending)}
      open={open}
      onClose={props.onClose}
      wide
      actions={
        <>
          {theirs !== undefined && (
            <button
              type="button"
              className="button"
              aria-pressed={compare}
              onClick={() => setCompare(!compare)}
            >
              {compare ? 'Show both' : 'Compare'}
            </button>
          )}
          <button type="button" className="button" onClick={props.onClose}>
            Decide later
          </button>
          <button type="button" className="button" onClick={props.onTakeTheirs}>
            {labels.theirs}
          </button>
          <button type="button" className="button primary" onClick={props.onKeepMine} autoFocus>
            {labels.mine}
          </button>
        </>
      }
    >
      <p>{message}</p>
      {theirs !== undefined &&
        (compare ? (
          <DiffView
            original={theirs}
            modified={mine}
            path={path}
            originalLabel={`${labels.theirsSide}${version}`}
            modifiedLabel={labels.mineSide}
          />
        ) : (
          <div className="both-versions">
            <section aria-label={labels.theirsSide}>
              <h3>
                {labels.theirsSide}
                {version}
              </h3>
              <pre tabIndex={0}>{theirs}</pre>
            </section>
            <section aria-label={labels.mineSide}>
              <h3>{labels.mineSide}</h3>
              <pre tabIndex={0}>{mine}</pre>
            </section>
          </div>
        ))}
    </Dialog>
  );
}
