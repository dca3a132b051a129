/** The editor's dialogs: a file that changed under unsaved edits, its history, and closing
 * a tab that could not be saved. */
import { ConfirmDialog } from '../../ui/Dialog';
import type { OpenDocs } from './docs';
import { HistoryDialog } from '../history/HistoryDialog';
import { baseName } from './paths';
import { PendingDialog } from './PendingDialog';

export type DialogState =
  | { kind: 'pending'; path: string; compare: boolean }
  | { kind: 'history'; path: string }
  | { kind: 'close'; path: string; error: string };

export function EditorDialogs({
  dialog,
  docs,
  workspace,
  onClose,
  onClosedTab,
}: {
  dialog: DialogState | undefined;
  docs: OpenDocs;
  workspace: string;
  onClose: () => void;
  /** A tab was closed, its unsaved changes discarded. */
  onClosedTab: (path: string) => void;
}) {
  const pendingDialog = dialog?.kind === 'pending' ? docs.view(dialog.path) : undefined;
  const closing = dialog?.kind === 'close' ? dialog : undefined;
  return (
    <>
      {pendingDialog?.pending && dialog?.kind === 'pending' && (
        <PendingDialog
          key={`${dialog.path}:${String(dialog.compare)}`}
          open
          path={pendingDialog.path}
          pending={pendingDialog.pending}
          mine={
            pendingDialog.pending.kind === 'draft'
              ? pendingDialog.pending.draft.content
              : (docs.model(pendingDialog.path)?.getValue() ?? '')
          }
          startInCompare={dialog.compare}
          onClose={() => onClose()}
          onTakeTheirs={() => {
            if (pendingDialog.pending?.kind === 'draft') docs.discardDraft(pendingDialog.path);
            else docs.takeTheirs(pendingDialog.path);
            onClose();
          }}
          onKeepMine={() => {
            docs.keepMine(pendingDialog.path);
            onClose();
          }}
        />
      )}
      {dialog?.kind === 'history' && (
        <HistoryDialog
          open
          workspace={workspace}
          path={dialog.path}
          current={() => docs.model(dialog.path)?.getValue() ?? ''}
          onRestore={(revision) => docs.restore(dialog.path, revision)}
          onClose={() => onClose()}
        />
      )}
      <ConfirmDialog
        open={closing !== undefined}
        title={`Close ${closing ? baseName(closing.path) : ''} without saving?`}
        message={
          <p>{closing?.error} Closing the tab now discards your unsaved changes to this file.</p>
        }
        confirmLabel="Discard changes"
        danger
        onCancel={() => onClose()}
        onConfirm={() => {
          if (closing) {
            docs.close(closing.path);
            onClosedTab(closing.path);
          }
          onClose();
        }}
      />
    </>
  );
}
