/** The bar over a tab whose file changed on the server while it had unsaved edits. */
import type { DocView } from './docs';
import { pendingLabels, pendingTitle } from './PendingDialog';

export function PendingBar(props: {
  view: DocView;
  onCompare: () => void;
  onTakeTheirs: () => void;
  onKeepMine: () => void;
}) {
  const pending = props.view.pending;
  if (!pending) return null;
  const labels = pendingLabels(pending);
  return (
    <div className="editor-bar warning" role="status">
      <span>{pendingTitle(props.view.path, pending)}</span>
      <span className="editor-bar-actions">
        {pending.current !== null && (
          <button type="button" className="button" onClick={props.onCompare}>
            Compare
          </button>
        )}
        <button type="button" className="button" onClick={props.onTakeTheirs}>
          {labels.theirs}
        </button>
        <button type="button" className="button primary" onClick={props.onKeepMine}>
          {labels.mine}
        </button>
      </span>
    </div>
  );
}
