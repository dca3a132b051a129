/**
 * The editor area: one or two groups of tabs side by side (Ctrl+\ splits, tabs are dragged
 * or moved with Ctrl+Alt+Left/Right between them) over the open documents, one model per
 * file however many groups show it; autosave with a per-file save queue, drafts that
 * survive a reload, conflicts and changes on disk, file history and comparing two files.
 * Library files a definition led to open in read-only tabs of their own
 * (editorRequests.ts), outside all of that.
 */
import { VimMode } from 'monaco-vim';
import {
  useCallback,
  useEffect,
  useImperativeHandle,
  useReducer,
  useRef,
  useState,
  type Ref,
} from 'react';
import { Group, Panel, Separator } from 'react-resizable-panels';

import { useSettings } from '../../settings/settings';
import type { EditorHandle, EditorStatus } from '../contracts';
import { useSession } from '../session/context';
import { DisposableStore } from '../session/lifecycle';
import { OpenDocs } from './docs';
import { messageOf } from './paths';
import { monaco } from './monaco';
import { EditorDialogs, type DialogState } from './EditorDialogs';
import { onEditorRequest, readOnlyKey } from './editorRequests';
import type { EditorTabsMemory } from '../state/editorTabs';
import { monacoTheme } from './themes';
import { compareKey, comparisonOf } from './groups/compareTabs';
import { ComparePicker } from './groups/ComparePicker';
import { EditorGroupPane, type LibraryTab } from './groups/EditorGroupPane';
import * as groups from './groups/editorGroups';
import './EditorArea.css';

export interface EditorAreaProps {
  ref: Ref<EditorHandle>;
  workspace: string;
  onStatus: (status: EditorStatus) => void;
  /** Where the open tabs, the active one and each one's cursor and scroll are remembered. */
  tabsMemory: EditorTabsMemory;
}

type Cursor = { line: number; column: number } | undefined;

export function EditorArea({ ref, workspace, onStatus, tabsMemory }: EditorAreaProps) {
  const session = useSession();
  const { settings } = useSettings();
  const [, rerender] = useReducer((count: number) => count + 1, 0);
  const [remembered] = useState(() => tabsMemory.remembered());
  const [savedLayout, setLayout] = useState(() =>
    groups.singleGroup(remembered.paths, remembered.active),
  );
  /** Where `openAt` puts the cursor once the file is shown (it may still be loading). */
  const [reveal, setReveal] = useState<{ path: string; lineNumber: number; column: number }>();
  const [docs] = useState(
    () =>
      new OpenDocs({
        workspace,
        storage: localStorage,
        onChange: rerender,
        onMoved: (from, to) => setLayout((layout) => groups.renameTab(layout, from, to)),
        fileVersions: () => session.files.versions(),
      }),
  );
  const [libraries] = useState(() => new Map<string, LibraryTab>());
  const [comparisons] = useState(() => new Set<string>());
  const [editors, setEditors] = useState<(monaco.editor.ICodeEditor | undefined)[]>([]);
  const [cursors, setCursors] = useState<Cursor[]>([]);
  const [dialog, setDialog] = useState<DialogState>();
  /** The file "Compare with…" asks a partner for. */
  const [comparing, setComparing] = useState<string>();
  const onStatusRef = useRef(onStatus);
  const root = useRef<HTMLDivElement>(null);

  /** Every tab that can be shown: open documents, library files, comparisons of open ones. */
  const openKeys = useCallback(
    () => [
      ...docs.paths(),
      ...libraries.keys(),
      ...[...comparisons].filter((key) => {
        const pair = comparisonOf(key);
        return pair && docs.has(pair.left) && docs.has(pair.right);
      }),
    ],
    [docs, libraries, comparisons],
  );
  const layout = groups.reconcile(savedLayout, openKeys());
  const change = useCallback(
    (step: (layout: groups.GroupLayout) => groups.GroupLayout) =>
      setLayout((current) => step(groups.reconcile(current, openKeys()))),
    [openKeys],
  );
  const focused = layout.focused;
  const active = groups.focusedGroup(layout).active;
  const activeRef = useRef(active);
  const layoutRef = useRef(layout);
  // The handle is taken once by the page (DeferredEditor): it reads the groups' editors here.
  const editorsRef = useRef(editors);
  useEffect(() => {
    onStatusRef.current = onStatus;
    activeRef.current = active;
    layoutRef.current = layout;
    editorsRef.current = editors;
  });
  const view = active !== undefined ? docs.view(active) : undefined;
  const cursor = cursors[focused];

  // ---- the documents: created once, disposed on unmount --------------------------------

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
      if (!libraries.has(key)) {
        const uri = monaco.Uri.parse(doc.uri);
        monaco.editor.getModel(uri)?.dispose();
        libraries.set(key, { doc, model: monaco.editor.createModel(doc.content, 'python', uri) });
      }
      change((layout) => groups.openTab(layout, key));
    });
    return () => {
      stop();
      for (const tab of libraries.values()) tab.model.dispose();
      libraries.clear();
    };
  }, [docs, libraries, change]);

  // ---- actions -------------------------------------------------------------------------

  const saveActive = useCallback(() => {
    const path = activeRef.current;
    // A failed save: the status bar and the tab say why.
    if (path !== undefined && docs.has(path)) docs.save(path).catch(() => undefined);
  }, [docs]);

  const closeTab = useCallback(
    (index: number, key: string) => {
      const elsewhere = layoutRef.current.groups.some(
        (group, at) => at !== index && group.tabs.includes(key),
      );
      const library = libraries.get(key);
      if (elsewhere || library || comparisons.has(key)) {
        if (!elsewhere) {
          library?.model.dispose();
          libraries.delete(key);
          comparisons.delete(key);
        }
        return change((layout) => groups.closeTab(layout, index, key));
      }
      const doc = docs.view(key);
      if (doc?.pending || doc?.save === 'conflict') {
        setDialog({ kind: 'close', path: key, error: 'The file changed on the server.' });
        return;
      }
      docs
        .closeSaving(key)
        .catch((error: unknown) =>
          setDialog({ kind: 'close', path: key, error: messageOf(error) }),
        );
    },
    [docs, libraries, comparisons, change],
  );

  const cycle = (step: number) => {
    const { tabs } = groups.focusedGroup(layout);
    if (active === undefined) return;
    const next = tabs[(tabs.indexOf(active) + step + tabs.length) % tabs.length];
    if (next !== undefined) change((current) => groups.focusGroup(current, focused, next));
  };

  const split = useCallback(() => change(groups.split), [change]);
  const move = useCallback(
    (direction: 'left' | 'right') => change((current) => groups.moveActiveTab(current, direction)),
    [change],
  );
  const compare = useCallback(
    (left: string, right: string) => {
      docs.open(left);
      docs.open(right);
      const key = compareKey({ left, right });
      comparisons.add(key);
      change((current) => groups.openTab(current, key));
    },
    [docs, comparisons, change],
  );
  const showHistory = useCallback(() => {
    const path = activeRef.current;
    if (path !== undefined && docs.has(path)) setDialog({ kind: 'history', path });
  }, [docs]);
  const actions = {
    save: saveActive,
    history: showHistory,
    close: () => {
      if (activeRef.current !== undefined) closeTab(layoutRef.current.focused, activeRef.current);
    },
    split,
    move,
  };

  useImperativeHandle(
    ref,
    () => ({
      open: (path: string) => {
        docs.open(path);
        change((layout) => groups.openTab(layout, path));
      },
      openAt: (path: string, line: number, column?: number) => {
        docs.open(path);
        change((layout) => groups.openTab(layout, path));
        setReveal({ path, lineNumber: line, column: column ?? 1 });
      },
      saveAll: () => docs.saveAll(),
      split,
      moveEditor: move,
      compareActive: () => {
        const path = activeRef.current;
        if (path !== undefined && docs.view(path)?.kind === 'text') setComparing(path);
      },
      compare,
      runEditorAction: (id: string) => {
        const editor = editorsRef.current[layoutRef.current.focused];
        editor?.focus();
        void editor?.getAction(id)?.run();
      },
      focus: () => {
        const current = layoutRef.current.focused;
        const editor = editorsRef.current[current];
        if (editor?.getModel()) editor.focus();
        else
          root.current
            ?.querySelector<HTMLElement>(
              `[data-group="${current + 1}"] [role="tab"][aria-selected="true"]`,
            )
            ?.focus();
      },
    }),
    [docs, change, split, move, compare],
  );

  // ---- settings, applied live ----------------------------------------------------------

  useEffect(() => monaco.editor.setTheme(monacoTheme(settings.theme)), [settings.theme]);
  useEffect(
    () => docs.configure({ autosave: settings.autosave, tabSize: settings.tabSize }),
    [docs, settings.autosave, settings.tabSize],
  );
  // The focused group's editor keeps its cursor when the text it shows is replaced.
  useEffect(() => docs.setEditor(editors[focused]), [docs, editors, focused]);
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

  const pathsKey = docs.paths().join('\n');
  useEffect(() => {
    // Read live, not from this render: on mount the remembered tabs are reopened by an
    // effect after the render, and writing the render's empty list would forget them.
    if (!docs.ready) return;
    const open = docs.paths();
    tabsMemory.saveTabs(open, active !== undefined && open.includes(active) ? active : open[0]);
  }, [docs, tabsMemory, pathsKey, active]);

  const statusKey = JSON.stringify([active, view?.save, view?.saveError, cursor]);
  useEffect(() => {
    const status: EditorStatus = {
      // A library file or a comparison is not one of the workspace's files.
      activePath: view ? active : undefined,
      save: view?.save ?? 'saved',
      ...(view?.saveError !== undefined && { saveError: view.saveError }),
      ...(cursor && { cursor }),
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
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (mod && key === 's') saveActive();
    else if ((event.altKey && key === 'w') || (event.ctrlKey && key === 'w')) actions.close();
    else if (event.ctrlKey && event.key === 'Tab') cycle(event.shiftKey ? -1 : 1);
    else if (event.altKey && (event.key === 'PageDown' || event.key === 'PageUp'))
      cycle(event.key === 'PageDown' ? 1 : -1);
    else if (mod && event.key === '\\') split();
    else if (mod && event.altKey && (event.key === 'ArrowLeft' || event.key === 'ArrowRight'))
      move(event.key === 'ArrowLeft' ? 'left' : 'right');
    else return;
    event.preventDefault();
  };

  const setAt =
    <T,>(setter: React.Dispatch<React.SetStateAction<T[]>>, index: number) =>
    (value: T) =>
      setter((values) => {
        if (values[index] === value) return values;
        const copy = [...values];
        copy[index] = value;
        return copy;
      });

  return (
    <div className="editor-area" onKeyDown={onKeyDown} ref={root}>
      <Group orientation="horizontal">
        {layout.groups.map((group, index) => (
          <GroupPanel key={index} index={index}>
            <EditorGroupPane
              workspace={workspace}
              docs={docs}
              group={group}
              index={index}
              count={layout.groups.length}
              focused={index === focused}
              libraries={libraries}
              tabsMemory={tabsMemory}
              reveal={index === focused && reveal?.path === group.active ? reveal : undefined}
              onRevealed={() => setReveal(undefined)}
              onFocusGroup={() => change((current) => groups.focusGroup(current, index))}
              onActivate={(key) => change((current) => groups.focusGroup(current, index, key))}
              onClose={(key) => closeTab(index, key)}
              onDropTab={(tab, before) =>
                change((current) => groups.moveTab(current, tab.key, tab.group, index, before))
              }
              onCompareWith={setComparing}
              onPending={(path, compare) => setDialog({ kind: 'pending', path, compare })}
              onEditor={setAt(setEditors, index)}
              onCursor={setAt(setCursors, index)}
              actions={actions}
            />
          </GroupPanel>
        ))}
      </Group>

      {comparing !== undefined && (
        <ComparePicker
          path={comparing}
          candidates={docs
            .paths()
            .filter((path) => path !== comparing && docs.view(path)?.kind === 'text')}
          onClose={() => setComparing(undefined)}
          onPick={(other) => {
            compare(comparing, other);
            setComparing(undefined);
          }}
        />
      )}
      <EditorDialogs
        dialog={dialog}
        docs={docs}
        workspace={workspace}
        onClose={() => setDialog(undefined)}
        // Closing the document takes its tabs out of every group.
        onClosedTab={() => undefined}
      />
    </div>
  );
}

/** A group's panel, with the handle to resize it before it when it is the second. */
function GroupPanel({ index, children }: { index: number; children: React.ReactNode }) {
  return (
    <>
      {index > 0 && <Separator className="separator vertical" />}
      <Panel id={`editor-group-${index + 1}`} minSize="15%">
        {children}
      </Panel>
    </>
  );
}

/** The part of monaco-vim's (untyped) CodeMirror Vim API used here. */
interface VimApi {
  Vim: { defineEx: (name: string, prefix: string, run: () => void) => void };
}
