/** The bar above an open file: its path, Table/Text for CSV, preview for Markdown, history. */
import type { DocView } from '../docs';
import { isCsvPath, isMarkdownPath } from '../paths';

export interface GroupToolbarProps {
  view: DocView;
  showCsvTable: boolean;
  showMarkdown: boolean;
  onCsvAsText: (asText: boolean) => void;
  onMarkdownPreview: (shown: boolean) => void;
  onHistory: () => void;
  onCompareWith: () => void;
}

export function GroupToolbar({ view, showCsvTable, showMarkdown, ...on }: GroupToolbarProps) {
  const text = view.kind === 'text';
  return (
    <div className="editor-toolbar">
      <span className="editor-path" title={view.path}>
        {view.path}
      </span>
      {text && isCsvPath(view.path) && (
        <div role="group" aria-label="Show as" className="segmented">
          <button
            type="button"
            className="button"
            aria-pressed={showCsvTable}
            onClick={() => on.onCsvAsText(false)}
          >
            Table
          </button>
          <button
            type="button"
            className="button"
            aria-pressed={!showCsvTable}
            onClick={() => on.onCsvAsText(true)}
          >
            Text
          </button>
        </div>
      )}
      {text && isMarkdownPath(view.path) && (
        <button
          type="button"
          className="button"
          aria-pressed={showMarkdown}
          onClick={() => on.onMarkdownPreview(!showMarkdown)}
        >
          {showMarkdown ? 'Show source' : 'Open preview'}
        </button>
      )}
      {text && (
        <button type="button" className="button" onClick={on.onCompareWith}>
          Compare with…
        </button>
      )}
      {text && (
        <button type="button" className="button" onClick={on.onHistory}>
          History
        </button>
      )}
    </div>
  );
}
