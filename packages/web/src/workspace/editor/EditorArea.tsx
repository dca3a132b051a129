/**
 * The editor area: tabs of open files over one Monaco editor (one model per file), image,
 * CSV and binary viewers, autosave with a per-file save queue, drafts that survive a
 * reload, conflicts and changes on disk, and file history. Library files a definition led
 * to open in read-only tabs of their own (editorRequests.ts), outside all of that.
 */
import { initVimMode, VimMode } from 'monaco-vim';
import {
  useCallback,
  useEffect,
  useId,
  useImperativeHandle,
  useReducer,
  useRef,
  useState,
  type Ref,
} from 'react';

import { useSettings } from '../../settings/settings';
import type { EditorHandle, EditorStatus } from '../contracts';
import { useSession } from '../session/context';
import { DisposableStore } from '../session/lifecycle';
import { OpenDocs, type DocView } from './docs';
import { formatInCell, registerFormatting } from './formatting';
import { baseName, isCsvPath, isMarkdownPath, messageOf } from './paths';
import { monaco } from './monaco';
import { EditorDialogs, type DialogState } from './EditorDialogs';
import { PendingBar } from './PendingBar';
import { onEditorRequest, readOnlyKey, type ReadOnlyDoc } from './editorRequests';
import type { EditorTabsMemory } from '../state/editorTabs';
import { Tabs } from './Tabs';
import { monacoTheme } from './themes';
import { BinaryViewer } from '../preview/BinaryViewer';
import { CsvTable } from '../preview/CsvTable';
import { ImageViewer } from '../preview/ImageViewer';
import { MarkdownPreview } from '../preview/MarkdownPreview';
import './EditorArea.css';

export interface EditorAreaProps {
  ref: Ref<EditorHandle>;
  workspace: string;
  onStatus: (status: EditorStatus) => void;
  /** Where the open tabs, the active one and each one's cursor and scroll are remembered. */
  tabsMemory: EditorTabsMemory;
}

interface ReadOnlyTab {
  doc: ReadOnlyDoc;
  model: monaco.editor.ITextModel;
}

export function EditorArea({ ref, workspace, onStatus, tabsMemory }: EditorAreaProps) {
  const session = useSession();
  const { settings } = useSettings();
  const settingsRef = useRef(settings);
  const [, rerender] = useReducer((count: number) => count + 1, 0);
  const [remembered] = useState(() => tabsMemory.remembered());
  const [activeChoice, setActive] = useState<string | undefined>(remembered.active);
  /** Where `openAt` puts the cursor once the file is shown (it may still be loading). */
  const [reveal, setReveal] = useState<{ path: string; lineNumber: number; column: number }>();
  const [docs] = useState(
    () =>
      new OpenDocs({
        workspace,
        storage: localStorage,
        onChange: rerender,
        onMoved: (from, to) => setActive((current) => (current === from ? to : current)),
        fileVersions: () => session.files.versions(),
      }),
  );
  const [editor, setEditor] = useState<monaco.editor.IStandaloneCodeEditor>();
  const [cursor, setCursor] = useState<{ line: number; column: number }>();
  const [csvAsText, setCsvAsText] = useState<ReadonlySet<string>>(new Set());
  const [markdownPreviews, setMarkdownPreviews] = useState<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = useState<DialogState>();
  const [notice, setNotice] = useState<string>();
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor>(undefined);
  const vimStatus = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const onStatusRef = useRef(onStatus);
  /** The file the editor shows; undefined while it shows none or is being switched. */
  const shownPath = useRef<string>(undefined);
  const [readOnlyTabs] = useState(() => new Map<string, ReadOnlyTab>());

  useEffect(() => {
    settingsRef.current = settings;
    onStatusRef.current = onStatus;
  });

  const paths = [...docs.paths(), ...readOnlyTabs.keys()];
  const active =
    activeChoice !== undefined && paths.includes(activeChoice) ? activeChoice : paths[0];
  const activeRef = useRef(active);
  useEffect(() => {
    activeRef.current = active;
  });
  const view: DocView | undefined = active !== undefined ? docs.view(active) : undefined;
  const library = active !== undefined ? readOnlyTabs.get(active) : undefined;
  const showCsvTable = view?.kind === 'text' && isCsvPath(view.path) && !csvAsText.has(view.path);
  const showMarkdown =
    view?.kind === 'text' && isMarkdownPath(view.path) && markdownPreviews.has(view.path);
  const showsText =
    library !== undefined ||
    (view?.kind === 'text' && !view.loading && !view.loadError && !showCsvTable && !showMarkdown);

  // ---- the documents and the editor: created once, disposed on unmount ----------------

  useEffect(() => {
    docs.start(remembered.paths);
    const keep = () => docs.keepAllDrafts();
    window.addEventListener('pagehide', keep);
    return () => {
      window.removeEventListener('pagehide', keep);
      docs.dispose();
    };
  }, [docs, remembered]);

  useEffect(() => {
    const stop = onEditorRequest((request) => {
      if (request.kind === 'background') return docs.open(request.path);
      const { doc } = request;
      const key = readOnlyKey(doc.uri);
      if (!readOnlyTabs.has(key)) {
        const uri = monaco.Uri.parse(doc.uri);
        monaco.editor.getModel(uri)?.dispose();
        readOnlyTabs.set(key, {
          doc,
          model: monaco.editor.createModel(doc.content, 'python', uri),
        });
      }
      setActive(key);
      rerender();
    });
    return () => {
      stop();
      for (const tab of readOnlyTabs.values()) tab.model.dispose();
      readOnlyTabs.clear();
    };
  }, [docs, readOnlyTabs]);

  /** Creates the editor when its host mounts and disposes it when the host goes. */
  const attachEditor = useCallback(
    (node: HTMLDivElement | null) => {
      host.current = node;
      if (!node) return;
      const current = settingsRef.current;
      const created = monaco.editor.create(node, {
        model: null,
        automaticLayout: true,
        theme: monacoTheme(current.theme),
        fontSize: current.fontSize,
        minimap: { enabled: true },
        folding: true,
        matchBrackets: 'always',
        wordBasedSuggestions: 'currentDocument',
        scrollBeyondLastLine: false,
        // The dimmed number of the line after a final newline fails WCAG contrast.
        renderFinalNewline: 'on',
        fixedOverflowWidgets: true,
        ariaLabel: 'Code editor',
      });
      editorRef.current = created;
      setEditor(created);
      const showCursor = () => {
        const position = created.getPosition();
        setCursor(
          created.getModel() && position
            ? { line: position.lineNumber, column: position.column }
            : undefined,
        );
      };
      const rememberPosition = () => {
        const path = shownPath.current;
        const position = created.getPosition();
        if (path === undefined || !position || readOnlyTabs.has(path)) return;
        tabsMemory.savePosition(path, {
          cursor: { line: position.lineNumber, column: position.column },
          scroll: { top: created.getScrollTop(), left: created.getScrollLeft() },
        });
      };
      const listeners = [
        // On a phone the minimap would take a fifth of the width.
        created.onDidLayoutChange((layout) =>
          created.updateOptions({ minimap: { enabled: layout.width > 600 } }),
        ),
        created.onDidChangeCursorPosition(showCursor),
        created.onDidChangeModel(showCursor),
        created.onDidChangeCursorPosition(rememberPosition),
        created.onDidScrollChange(rememberPosition),
        registerFormatting(created, { format: formatInCell(workspace), onError: setNotice }),
      ];
      return () => {
        for (const listener of listeners) listener.dispose();
        created.dispose();
        editorRef.current = undefined;
        setEditor(undefined);
      };
    },
    [tabsMemory, readOnlyTabs, workspace],
  );

  // ---- actions -------------------------------------------------------------------------

  const saveActive = useCallback(() => {
    const path = activeRef.current;
    if (path === undefined) return;
    docs.save(path).catch(() => undefined); // The status bar and the tab say why.
  }, [docs, activeRef]);

  const activate = useCallback((path: string) => setActive(path), []);

  const closeTab = useCallback(
    (path: string) => {
      const readOnly = readOnlyTabs.get(path);
      if (readOnly) {
        readOnlyTabs.delete(path);
        setActive((current) => (current === path ? undefined : current));
        readOnly.model.dispose();
        rerender();
        return;
      }
      const remaining = docs.paths().filter((open) => open !== path);
      const index = docs.paths().indexOf(path);
      const next = remaining[Math.min(index, remaining.length - 1)];
      const done = () => setActive((current) => (current === path ? next : current));
      const doc = docs.view(path);
      if (doc?.pending || doc?.save === 'conflict') {
        setDialog({ kind: 'close', path, error: 'The file changed on the server.' });
        return;
      }
      docs
        .closeSaving(path)
        .then(done, (error: unknown) =>
          setDialog({ kind: 'close', path, error: messageOf(error) }),
        );
    },
    [docs, readOnlyTabs],
  );

  const cycle = (step: number) => {
    if (active === undefined) return;
    const next = paths[(paths.indexOf(active) + step + paths.length) % paths.length];
    if (next !== undefined) setActive(next);
  };

  useImperativeHandle(
    ref,
    () => ({
      open: (path: string) => {
        docs.open(path);
        setActive(path);
      },
      openAt: (path: string, line: number, column?: number) => {
        docs.open(path);
        setActive(path);
        setReveal({ path, lineNumber: line, column: column ?? 1 });
      },
      saveAll: () => docs.saveAll(),
      runEditorAction: (id: string) => {
        editorRef.current?.focus();
        void editorRef.current?.getAction(id)?.run();
      },
      focus: () => {
        if (editorRef.current?.getModel()) editorRef.current.focus();
        else
          host.current
            ?.closest('.editor-area')
            ?.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')
            ?.focus();
      },
    }),
    [docs],
  );

  // ---- keep the editor showing the active file -----------------------------------------

  useEffect(() => {
    if (!editor) return;
    const model =
      library?.model ?? (showsText && active !== undefined ? docs.model(active) : undefined);
    // A library file: typing says so instead of changing it.
    editor.updateOptions({ readOnly: library !== undefined });
    if (editor.getModel() === (model ?? null)) return;
    if (shownPath.current !== undefined && editor.getModel())
      docs.setViewState(shownPath.current, editor.saveViewState());
    // Switching fires cursor and scroll events that are no user's: they are not remembered.
    shownPath.current = undefined;
    editor.setModel(model ?? null);
    if (model && active !== undefined) {
      const state = docs.viewState(active);
      const stored = tabsMemory.position(active);
      if (state) editor.restoreViewState(state);
      else if (stored) {
        editor.setPosition({ lineNumber: stored.cursor.line, column: stored.cursor.column });
        editor.setScrollPosition({ scrollTop: stored.scroll.top, scrollLeft: stored.scroll.left });
      }
    }
    shownPath.current = model ? active : undefined;
  });

  // Every render, after the one above: the file may be shown a few renders after openAt.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!editor || !reveal || shownPath.current !== reveal.path || !editor.getModel()) return;
    const position = { lineNumber: reveal.lineNumber, column: reveal.column };
    editor.setPosition(position);
    editor.revealPositionInCenter(position);
    editor.focus();
    setReveal(undefined);
  });

  useEffect(() => {
    if (!editor) return;
    const save = editor.addAction({
      id: 'workcell.save',
      label: 'Save',
      run: saveActive,
    });
    const history = editor.addAction({
      id: 'workcell.history',
      label: 'Show File History',
      run: () => {
        if (activeRef.current !== undefined && !readOnlyTabs.has(activeRef.current))
          setDialog({ kind: 'history', path: activeRef.current });
      },
    });
    const close = editor.addAction({
      id: 'workcell.closeTab',
      label: 'Close Tab',
      run: () => {
        if (activeRef.current !== undefined) closeTab(activeRef.current);
      },
    });
    return () => {
      save.dispose();
      history.dispose();
      close.dispose();
    };
  }, [editor, saveActive, closeTab, activeRef, readOnlyTabs]);

  // ---- settings, applied live ----------------------------------------------------------

  useEffect(() => monaco.editor.setTheme(monacoTheme(settings.theme)), [settings.theme]);
  useEffect(
    () => editor?.updateOptions({ fontSize: settings.fontSize }),
    [editor, settings.fontSize],
  );
  useEffect(
    () => docs.configure({ autosave: settings.autosave, tabSize: settings.tabSize }),
    [docs, settings.autosave, settings.tabSize],
  );
  useEffect(() => docs.setEditor(editor), [docs, editor]);
  useEffect(() => {
    if (!editor || !settings.vimMode || !vimStatus.current) return;
    const vim = initVimMode(editor, vimStatus.current);
    return () => vim.dispose();
  }, [editor, settings.vimMode]);
  useEffect(() => {
    // `:w` in vim mode; defined once per editor area, read through the ref.
    (VimMode as unknown as VimApi).Vim.defineEx('write', 'w', () => saveActive());
  }, [saveActive]);

  // ---- the server ----------------------------------------------------------------------

  useEffect(() => {
    const store = new DisposableStore();
    store.add(
      session.onFileChanged((change) => {
        if (change.kind === 'file') docs.fileChanged(change);
      }),
    );
    store.add(session.onConnected(() => void docs.recheckAll()));
    return () => store.dispose();
  }, [docs, session]);

  // ---- remembered tabs and status ------------------------------------------------------

  const pathsKey = paths.join('\n');
  useEffect(() => {
    // Read live, not from this render: on mount the remembered tabs are reopened by an
    // effect after the render, and writing the render's empty list would forget them.
    if (!docs.ready) return;
    const open = docs.paths();
    tabsMemory.saveTabs(
      open,
      activeChoice !== undefined && open.includes(activeChoice) ? activeChoice : open[0],
    );
  }, [docs, tabsMemory, pathsKey, activeChoice]);

  const statusKey = JSON.stringify([
    active,
    view?.save,
    view?.saveError,
    showsText ? cursor : undefined,
  ]);
  useEffect(() => {
    const status: EditorStatus = {
      // A library file is not the workspace's: nothing to run or save.
      activePath: library ? undefined : active,
      save: view?.save ?? 'saved',
      ...(view?.saveError !== undefined && { saveError: view.saveError }),
      ...(showsText && cursor && { cursor }),
    };
    onStatusRef.current(status);
    // statusKey names everything the status is made of.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [statusKey]);

  // A refused save asks at once; changes on disk and drafts wait in the bar above.
  const askedFor = useRef<unknown>(undefined);
  const pending = view?.pending;
  useEffect(() => {
    if (pending?.kind === 'conflict' && askedFor.current !== pending && active !== undefined) {
      askedFor.current = pending;
      setDialog({ kind: 'pending', path: active, compare: false });
    }
  }, [pending, active]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    const key = event.key.toLowerCase();
    // Save (Mod+S) and Close tab (Alt+W) are the page's commands; Ctrl+W reaches a page
    // only in some browsers, and then closes the tab here too.
    if (event.ctrlKey && !event.altKey && key === 'w') {
      event.preventDefault();
      if (active !== undefined) closeTab(active);
    } else if (event.ctrlKey && event.key === 'Tab') {
      event.preventDefault();
      cycle(event.shiftKey ? -1 : 1);
    } else if (event.altKey && (event.key === 'PageDown' || event.key === 'PageUp')) {
      event.preventDefault();
      cycle(event.key === 'PageDown' ? 1 : -1);
    }
  };

  const tabs = paths
    .map((path) => docs.view(path) ?? readOnlyView(path, readOnlyTabs.get(path)))
    .filter((tab) => tab !== undefined);

  return (
    <div className="editor-area" onKeyDown={onKeyDown}>
      {tabs.length > 0 && (
        <Tabs
          tabs={tabs}
          active={active}
          panelId={panelId}
          readOnly={readOnlyTabs}
          onActivate={activate}
          onClose={closeTab}
        />
      )}
      <div
        id={panelId}
        className="editor-panel"
        role={tabs.length > 0 ? 'tabpanel' : undefined}
        aria-label={view ? baseName(view.path) : library ? baseName(library.doc.path) : undefined}
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
        {view && !view.loading && !view.loadError && (
          <div className="editor-toolbar">
            <span className="editor-path" title={view.path}>
              {view.path}
            </span>
            {view.kind === 'text' && isCsvPath(view.path) && (
              <div role="group" aria-label="Show as" className="segmented">
                <button
                  type="button"
                  className="button"
                  aria-pressed={showCsvTable}
                  onClick={() => setCsvAsText((set) => without(set, view.path))}
                >
                  Table
                </button>
                <button
                  type="button"
                  className="button"
                  aria-pressed={!showCsvTable}
                  onClick={() => setCsvAsText((set) => new Set(set).add(view.path))}
                >
                  Text
                </button>
              </div>
            )}
            {view.kind === 'text' && isMarkdownPath(view.path) && (
              <button
                type="button"
                className="button"
                aria-pressed={showMarkdown}
                onClick={() => setMarkdownPreviews((set) => toggled(set, view.path))}
              >
                {showMarkdown ? 'Show source' : 'Open preview'}
              </button>
            )}
            {view.kind === 'text' && (
              <button
                type="button"
                className="button"
                onClick={() => setDialog({ kind: 'history', path: view.path })}
              >
                History
              </button>
            )}
          </div>
        )}
        {view?.pending && (
          <PendingBar
            view={view}
            onCompare={() => setDialog({ kind: 'pending', path: view.path, compare: true })}
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
          {!view && !library && <p className="editor-empty">Open a file from the tree</p>}
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
          {view?.kind === 'image' && !view.loading && !view.loadError && (
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
          {showCsvTable && !view.loading && !view.loadError && (
            <CsvTable path={view.path} text={docs.model(view.path)?.getValue() ?? ''} />
          )}
          {showMarkdown && !view.loading && !view.loadError && (
            <MarkdownPreview
              workspace={workspace}
              path={view.path}
              text={docs.model(view.path)?.getValue() ?? ''}
            />
          )}
          <div className="monaco-host" ref={attachEditor} hidden={!showsText} />
        </div>
        <div
          ref={vimStatus}
          className="vim-status"
          hidden={!settings.vimMode || !showsText}
          aria-label="Vim status line"
          aria-live="polite"
        />
      </div>

      <EditorDialogs
        dialog={dialog}
        docs={docs}
        workspace={workspace}
        onClose={() => setDialog(undefined)}
        onClosedTab={(path) => setActive((current) => (current === path ? undefined : current))}
      />
    </div>
  );
}

/** A read-only tab as the tab list shows it: always saved. */
function readOnlyView(key: string, tab: ReadOnlyTab | undefined): DocView | undefined {
  if (!tab) return undefined;
  return {
    path: key,
    kind: 'text',
    loading: false,
    loadError: undefined,
    dirty: false,
    save: 'saved',
    saveError: undefined,
    deletedOnDisk: false,
    size: tab.doc.content.length,
    version: 0,
    pending: undefined,
    revision: 0,
  };
}

function without(set: ReadonlySet<string>, value: string): ReadonlySet<string> {
  const copy = new Set(set);
  copy.delete(value);
  return copy;
}

const toggled = (set: ReadonlySet<string>, value: string) =>
  set.has(value) ? without(set, value) : new Set(set).add(value);

/** The part of monaco-vim's (untyped) CodeMirror Vim API used here. */
interface VimApi {
  Vim: { defineEx: (name: string, prefix: string, run: () => void) => void };
}
