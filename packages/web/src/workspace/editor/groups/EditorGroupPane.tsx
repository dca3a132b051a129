/**
 * One editor group: its tab strip and the panel under it, which shows the active tab as
 * text (Monaco), an image, a CSV table, a Markdown preview, a binary file's details or a
 * comparison of two files. The documents are the area's, shared by both groups.
 */
import { useEffect, useId, useRef, useState } from 'react';

import { useSettings } from '../../../settings/settings';
import type { DocView, OpenDocs } from '../docs';
import { DiffView } from '../DiffView';
import { formatInCell } from '../formatting';
import { baseName, isCsvPath, isMarkdownPath, messageOf } from '../paths';
import { Tabs } from '../Tabs';
import { BinaryViewer } from '../../preview/BinaryViewer';
import { CsvTable } from '../../preview/CsvTable';
import { ImageViewer } from '../../preview/ImageViewer';
import { MarkdownPreview } from '../../preview/MarkdownPreview';
import { compareTitle, comparisonOf } from './compareTabs';
import type { EditorGroup } from './editorGroups';
import { GroupToolbar } from './GroupToolbar';
import { PendingBar } from '../PendingBar';
import type { DraggedTab } from './tabDrag';
import { useGroupEditor, type GroupEditorActions } from './useGroupEditor';
import type { monaco } from '../monaco';
import type { LibraryTab } from '../specialTabs';
import { useModelText } from '../useModelText';
import type { EditorTabsMemory } from '../../state/editorTabs';

export interface EditorGroupPaneProps {
  workspace: string;
  docs: OpenDocs;
  group: EditorGroup;
  index: number;
  /** How many groups there are: the tab list is named by its group when there are two. */
  count: number;
  /** Whether this group has focus: the status bar follows it, files open in it. */
  focused: boolean;
  libraries: ReadonlyMap<string, LibraryTab>;
  tabsMemory: EditorTabsMemory;
  reveal: { lineNumber: number; column: number } | undefined;
  onRevealed: () => void;
  onFocusGroup: () => void;
  onActivate: (key: string) => void;
  onClose: (key: string) => void;
  onDropTab: (tab: DraggedTab, before: string | undefined) => void;
  onCompareWith: (path: string) => void;
  onPending: (path: string, compare: boolean) => void;
  onEditor: (editor: monaco.editor.ICodeEditor | undefined) => void;
  onCursor: (cursor: { line: number; column: number } | undefined) => void;
  actions: GroupEditorActions;
}

export function EditorGroupPane(props: EditorGroupPaneProps) {
  const { workspace, docs, group, libraries } = props;
  const { settings } = useSettings();
  const panelId = useId();
  const vimStatus = useRef<HTMLDivElement>(null);
  const [csvAsText, setCsvAsText] = useState<ReadonlySet<string>>(new Set());
  const [markdownPreviews, setMarkdownPreviews] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<string>();

  const active = group.active;
  const view: DocView | undefined = active !== undefined ? docs.view(active) : undefined;
  const library = active !== undefined ? libraries.get(active) : undefined;
  const comparison = active !== undefined ? comparisonOf(active) : undefined;
  const showCsvTable = view?.kind === 'text' && isCsvPath(view.path) && !csvAsText.has(view.path);
  const showMarkdown =
    view?.kind === 'text' && isMarkdownPath(view.path) && markdownPreviews.has(view.path);
  const ready = view !== undefined && !view.loading && !view.loadError;
  const textModel =
    ready && view.kind === 'text' && !showCsvTable && !showMarkdown
      ? docs.model(view.path)
      : undefined;
  const model = library?.model ?? textModel;
  const { attach, editor, cursor } = useGroupEditor({
    docs,
    group: props.index,
    shown: model && active !== undefined ? { key: active, model, readOnly: !!library } : undefined,
    tabsMemory: props.tabsMemory,
    reveal: props.reveal,
    onRevealed: props.onRevealed,
    actions: props.actions,
    vimStatus,
    formatting: { format: formatInCell(props.workspace), onError: setNotice },
  });
  const previewText = useModelText(
    ready && (showCsvTable || showMarkdown) ? docs.model(view.path) : undefined,
  );
  const originalText = useModelText(comparison && docs.model(comparison.left));
  const modifiedText = useModelText(comparison && docs.model(comparison.right));
  useReport(editor, props.onEditor);
  useReport(model ? cursor : undefined, props.onCursor);

  const tabs = group.tabs
    .map((key) => docs.view(key) ?? specialView(key, libraries.get(key)))
    .filter((tab) => tab !== undefined);
  const names = new Map(
    group.tabs.flatMap((key) => {
      const pair = comparisonOf(key);
      return pair ? [[key, compareTitle(pair)] as const] : [];
    }),
  );
  const label = props.count > 1 ? `Editor group ${props.index + 1}` : 'Open files';

  return (
    <div
      className={props.count > 1 && !props.focused ? 'editor-group unfocused' : 'editor-group'}
      onFocus={props.onFocusGroup}
      onMouseDown={props.onFocusGroup}
      data-group={props.index + 1}
    >
      {tabs.length > 0 && (
        <Tabs
          tabs={tabs}
          active={active}
          panelId={panelId}
          readOnly={libraries}
          names={names}
          label={label}
          group={props.index}
          onActivate={props.onActivate}
          onClose={props.onClose}
          onDropTab={props.onDropTab}
        />
      )}
      <div
        id={panelId}
        className="editor-panel"
        role={tabs.length > 0 ? 'tabpanel' : undefined}
        aria-label={
          comparison
            ? compareTitle(comparison)
            : (view ?? library) && baseName(view?.path ?? library?.doc.path ?? '')
        }
      >
        {library && (
          <div className="editor-toolbar">
            <span className="editor-read-only">
              <span className="codicon codicon-lock" aria-hidden="true" /> Library, read-only
            </span>
            <span className="editor-path" title={library.doc.path}>
              {library.doc.path}
            </span>
          </div>
        )}
        {ready && (
          <GroupToolbar
            view={view}
            showCsvTable={showCsvTable}
            showMarkdown={showMarkdown}
            onCsvAsText={(asText) => setCsvAsText((set) => toggled(set, view.path, asText))}
            onMarkdownPreview={(shown) =>
              setMarkdownPreviews((set) => toggled(set, view.path, shown))
            }
            onHistory={props.actions.history}
            onCompareWith={() => props.onCompareWith(view.path)}
          />
        )}
        {view?.pending && (
          <PendingBar
            view={view}
            onCompare={() => props.onPending(view.path, true)}
            onTakeTheirs={() =>
              view.pending?.kind === 'draft'
                ? docs.discardDraft(view.path)
                : docs.takeTheirs(view.path)
            }
            onKeepMine={() => docs.keepMine(view.path)}
          />
        )}
        {view?.deletedOnDisk && !view.pending && (
          <div className="editor-bar warning" role="status">
            <span>{baseName(view.path)} was deleted on disk. Your text is still here.</span>
            {view.kind === 'text' && (
              <button
                type="button"
                className="button"
                onClick={() => {
                  docs.recreate(view.path).catch((error: unknown) => setNotice(messageOf(error)));
                }}
              >
                Save to recreate it
              </button>
            )}
          </div>
        )}
        {view?.save === 'failed' && view.saveError && (
          <div className="editor-bar error" role="alert">
            Saving failed: {view.saveError}
          </div>
        )}
        {notice && (
          <div className="editor-bar error" role="alert">
            <span>{notice}</span>
            <button type="button" className="button" onClick={() => setNotice(undefined)}>
              Dismiss
            </button>
          </div>
        )}
        <div className="editor-content">
          {!view && !library && !comparison && (
            <p className="editor-empty">Open a file from the tree</p>
          )}
          {view?.loading && (
            <p className="editor-empty" role="status">
              Loading {baseName(view.path)}…
            </p>
          )}
          {view?.loadError && (
            <div className="editor-empty" role="alert">
              <p>
                {baseName(view.path)} could not be opened: {view.loadError}
              </p>
            </div>
          )}
          {comparison && (
            <DiffView
              original={originalText}
              modified={modifiedText}
              path={comparison.right}
              originalLabel={comparison.left}
              modifiedLabel={comparison.right}
            />
          )}
          {ready && view.kind === 'image' && (
            <ImageViewer
              workspace={workspace}
              path={view.path}
              size={view.size}
              revision={view.revision}
            />
          )}
          {view?.kind === 'binary' && !view.loading && (
            <BinaryViewer workspace={workspace} path={view.path} size={view.size} />
          )}
          {ready && showCsvTable && <CsvTable path={view.path} text={previewText} />}
          {ready && showMarkdown && (
            <MarkdownPreview workspace={workspace} path={view.path} text={previewText} />
          )}
          <div className="monaco-host" ref={attach} hidden={!model} />
        </div>
        <div
          ref={vimStatus}
          className="vim-status"
          hidden={!settings.vimMode || !model}
          aria-label="Vim status line"
          aria-live="polite"
        />
      </div>
    </div>
  );
}

/** Tells the area a value of this group's whenever it changes. */
function useReport<T>(value: T, report: (value: T) => void) {
  const reportRef = useRef(report);
  useEffect(() => {
    reportRef.current = report;
  });
  useEffect(() => reportRef.current(value), [value]);
}

/** A library file or a comparison as the tab list shows it: always saved. */
function specialView(key: string, library: LibraryTab | undefined): DocView | undefined {
  if (!library && !comparisonOf(key)) return undefined;
  return {
    path: key,
    kind: 'text',
    loading: false,
    loadError: undefined,
    dirty: false,
    save: 'saved',
    saveError: undefined,
    deletedOnDisk: false,
    size: library?.doc.content.length ?? 0,
    version: 0,
    pending: undefined,
    revision: 0,
  };
}

function toggled(set: ReadonlySet<string>, value: string, on: boolean): ReadonlySet<string> {
  const copy = new Set(set);
  if (on) copy.add(value);
  else copy.delete(value);
  return copy;
}
