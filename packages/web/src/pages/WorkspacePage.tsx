/**
 * The workspace: file tree | editor | terminal and problems (WorkspaceLayout: resizable
 * panels, one pane at a time on a phone), a toolbar with Run (F5), and the status bar. The page
 * owns the socket, watches the workspace on every (re)connection and starts its cell. The
 * editor (Monaco) loads as a chunk of its own, so the tree and the terminal are usable
 * before it is.
 */
import type { Workspace } from '@workcell/protocol';
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { type PanelImperativeHandle, usePanelRef } from 'react-resizable-panels';
import { Link, useParams } from 'react-router';

import { api } from '../api/api';
import { ApiError } from '../api/client';
import { AccountMenu } from '../app/AccountMenu';
import { type ConnectionState, WorkcellSocket } from '../connection/socket';
import { Loading } from '../ui/Loading';
import { useMediaQuery } from '../ui/useMediaQuery';
import { useWorkspaceCommands } from '../workspace/commands/useWorkspaceCommands';
import type { WorkspaceSymbolSearch } from '../workspace/language/workspaceSymbols';
import type { EditorStatus, FileTreeHandle, TerminalHandle } from '../workspace/contracts';
import { FileTree } from '../workspace/file-tree/FileTree';
import { BottomPanel } from '../workspace/layout/BottomPanel';
import { usePanes } from '../workspace/layout/usePanes';
import { WorkspaceLayout } from '../workspace/layout/WorkspaceLayout';
import { Sidebar, type SidebarView } from '../workspace/search/Sidebar';
import { SessionContext, useCell, useSession } from '../workspace/session/context';
import { WorkspaceSession } from '../workspace/session/WorkspaceSession';
import { StatusBar, type LanguageServerView } from '../workspace/status-bar/StatusBar';
import type { Location } from '../workspace/terminal/locationLinks';
import { RunControls } from '../workspace/terminal/RunControls';
import { TerminalPanel } from '../workspace/terminal/TerminalPanel';
import {
  useFollowFiles,
  useWorkspaceState,
  type WorkspaceMemory,
} from '../workspace/state/useWorkspaceState';
import { DeferredEditor } from './DeferredEditor';
import { useOpenMainFileOnFirstVisit } from './mainFile';

const WorkspaceEditor = lazy(() => import('./WorkspaceEditor'));

export default function WorkspacePage() {
  const { uuid = '' } = useParams();
  return <WorkspaceLoader key={uuid} uuid={uuid} />;
}

function WorkspaceLoader({ uuid }: { uuid: string }) {
  const [opened, setOpened] = useState<{
    workspace: Workspace;
    socket: WorkcellSocket;
    session: WorkspaceSession;
  }>();
  const [loadError, setLoadError] = useState<string>();
  const memory = useWorkspaceState(uuid);

  useEffect(() => {
    let live = true;
    // Created here, not in render: StrictMode's rehearsal unmount must not leave the page
    // holding a disposed socket. Connecting beside the workspace's request, not after it,
    // brings the terminal sooner.
    const socket = new WorkcellSocket();
    let session: WorkspaceSession | undefined;
    api
      .getWorkspace({ uuid })
      .then((loaded) => {
        if (!live) return;
        session = new WorkspaceSession(loaded.uuid, socket);
        setOpened({ workspace: loaded, socket, session });
        document.title = `${loaded.name} · Workcell`;
      })
      .catch((error: unknown) => {
        socket.dispose();
        if (live)
          setLoadError(
            error instanceof ApiError && error.status === 404
              ? 'This workspace does not exist, or it is not yours.'
              : String(error instanceof Error ? error.message : error),
          );
      });
    return () => {
      live = false;
      session?.dispose();
      socket.dispose();
      document.title = 'Workcell';
    };
  }, [uuid]);

  if (loadError)
    return (
      <main className="page-message">
        <h1>Workspace not available</h1>
        <p role="alert">{loadError}</p>
        <Link to="/">Back to your workspaces</Link>
      </main>
    );
  if (!opened || !memory) return <Loading label="Opening the workspace…" />;
  return (
    <SessionContext value={opened.session}>
      <WorkspaceView workspace={opened.workspace} socket={opened.socket} memory={memory} />
    </SessionContext>
  );
}

function WorkspaceView({
  workspace,
  socket,
  memory,
}: {
  workspace: Workspace;
  socket: WorkcellSocket;
  memory: WorkspaceMemory;
}) {
  const [connection, setConnection] = useState<ConnectionState>(socket.state);
  const session = useSession();
  const cell = useCell();
  const [editorStatus, setEditorStatus] = useState<EditorStatus>({
    activePath: undefined,
    save: 'saved',
  });
  const phone = useMediaQuery('(max-width: 700px)');
  const panes = usePanes(phone);
  const { setPane, showTerminal, toggleProblems } = panes;
  const [editor] = useState(() => new DeferredEditor(() => setPane('editor')));
  const [language, setLanguage] = useState<LanguageServerView>();
  const [overlayHost, setOverlayHost] = useState<HTMLElement | null>(null);
  const [problemsHost, setProblemsHost] = useState<HTMLElement | null>(null);
  const terminal = useRef<TerminalHandle>(null);
  const workspaceSymbols = useRef<WorkspaceSymbolSearch>(null);
  const { runConfigurations } = memory;
  const [runningPaths, setRunningPaths] = useState<ReadonlySet<string>>(new Set());
  const tree = useRef<FileTreeHandle>(null);
  useFollowFiles(memory.store, session);

  useEffect(() => socket.onState(setConnection), [socket]);

  useOpenMainFileOnFirstVisit(session, editor, memory.editorTabs);

  const runActiveFile = useCallback(async () => {
    const path = editorStatus.activePath;
    if (!path?.endsWith('.py')) return;
    try {
      await editor.saveAll();
    } catch {
      return; // The save status says why; running stale code would mislead.
    }
    terminal.current?.runFile(path, runConfigurations.get(path));
    showTerminal();
  }, [editor, editorStatus.activePath, runConfigurations, showTerminal]);
  const openLocation = useCallback(
    ({ path, line, column }: Location) => editor.openAt(path, line, column),
    [editor],
  );

  const [sidebarView, setSidebarView] = useState<SidebarView>('files');
  const [searchFocusRequest, setSearchFocusRequest] = useState(0);
  const filesPanel = usePanelRef();
  const commands = useWorkspaceCommands({
    editor,
    terminal,
    activePath: editorStatus.activePath,
    runActiveFile,
    workspaceSymbols,
    showSearch: () => {
      filesPanel.current?.expand();
      setSidebarView('search');
      setSearchFocusRequest((n) => n + 1);
    },
    toggleFiles: () => toggle(filesPanel.current),
    toggleProblems: () => {
      if (toggleProblems(true) === 'hidden') editor.focus();
    },
    toggleTerminal: () => {
      if (toggle(panes.bottomPanel.current)) terminal.current?.focus();
    },
  });

  const canRun = editorStatus.activePath?.endsWith('.py') ?? false;
  const treePanel = (
    <FileTree
      ref={tree}
      workspace={workspace.uuid}
      activePath={editorStatus.activePath}
      onOpenFile={(path) => editor.open(path)}
      onRevealInTerminal={(folder) => terminal.current?.openIn(folder)}
      onCompare={(left, right) => editor.compare(left, right)}
    />
  );
  const editorPanel = (
    <Suspense fallback={<Loading label="Loading the editor…" />}>
      <WorkspaceEditor
        editor={editor}
        workspace={workspace.uuid}
        onStatus={setEditorStatus}
        onLanguage={setLanguage}
        problemsHost={problemsHost}
        overlayHost={overlayHost}
        tabsMemory={memory.editorTabs}
        workspaceSymbolsRef={workspaceSymbols}
      />
    </Suspense>
  );
  const terminalPanel = (
    <TerminalPanel
      ref={terminal}
      workspace={workspace.uuid}
      socket={socket}
      onOpenLocation={openLocation}
      onRunningChange={setRunningPaths}
      tabsMemory={memory.terminalTabs}
    />
  );

  return (
    <div className="workspace">
      <header className="workspace-toolbar">
        <Link to="/" className="brand" aria-label="Workcell: back to your workspaces">
          Workcell
        </Link>
        <h1 className="workspace-name">{workspace.name}</h1>
        <RunControls
          path={canRun ? editorStatus.activePath : undefined}
          running={
            editorStatus.activePath !== undefined && runningPaths.has(editorStatus.activePath)
          }
          configurations={runConfigurations}
          onRun={() => void runActiveFile()}
          onStop={() =>
            editorStatus.activePath && terminal.current?.stopRun(editorStatus.activePath)
          }
        />
        <nav aria-label="Account">
          <AccountMenu />
        </nav>
      </header>
      <WorkspaceLayout
        phone={phone}
        pane={panes.pane}
        onPane={setPane}
        files={
          <Sidebar
            workspace={workspace.uuid}
            view={sidebarView}
            onView={setSidebarView}
            searchFocusRequest={searchFocusRequest}
            fileTree={treePanel}
            onOpenMatch={(path, line, column) => editor.openAt(path, line, column)}
          />
        }
        editor={editorPanel}
        bottom={
          <BottomPanel
            tab={panes.bottomTab}
            onTab={panes.setBottomTab}
            terminal={terminalPanel}
            problemCount={language && language.errors + language.warnings}
            onProblemsHost={setProblemsHost}
            focusProblems={panes.focusProblems}
          />
        }
        bottomPanel={panes.bottomPanel}
        filesPanel={filesPanel}
        store={memory.store}
      />
      <div className="workspace-overlays" ref={setOverlayHost} />
      {commands.overlay}
      <StatusBar
        connection={connection}
        socket={socket}
        cell={cell}
        editor={editorStatus}
        onRestartCell={session.startCell}
        language={
          language && {
            ...language,
            problemsOpen: panes.bottomTab === 'problems',
            onToggleProblems: () => toggleProblems(false),
          }
        }
      />
    </div>
  );
}

/** Collapses an open panel or opens a collapsed one; true if it is now open. */
function toggle(panel: PanelImperativeHandle | null): boolean {
  if (!panel) return false;
  if (panel.isCollapsed()) panel.expand();
  else panel.collapse();
  return !panel.isCollapsed();
}
