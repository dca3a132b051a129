/**
 * The workspace: file tree | editor | terminal in resizable panels that remember their
 * sizes (stacked on narrow screens), a toolbar with Run (F5), and the status bar. The page
 * owns the socket, watches the workspace on every (re)connection and starts its cell. The
 * editor (Monaco) loads as a chunk of its own, so the tree and the terminal are usable
 * before it is.
 */
import type { CellState, FileEntry, Workspace } from '@workcell/protocol';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Group, Panel, Separator, useDefaultLayout } from 'react-resizable-panels';
import { Link, useParams } from 'react-router';

import { ApiError, request, workspaceUrl } from '../api/client';
import { type ConnectionState, WorkcellSocket } from '../connection/socket';
import { SettingsButton } from '../settings/SettingsButton';
import { Loading } from '../ui/Loading';
import { useMediaQuery } from '../ui/useMediaQuery';
import type { EditorStatus, FileTreeHandle, TerminalHandle } from '../workspace/contracts';
import { loadOpenTabs } from '../workspace/editor/tabMemory';
import { FileTree } from '../workspace/file-tree/FileTree';
import {
  StatusBar,
  type CellView,
  type LanguageStatusView,
} from '../workspace/status-bar/StatusBar';
import type { Location } from '../workspace/terminal/locationLinks';
import { RunControls } from '../workspace/terminal/RunControls';
import { LocalRunConfigurations } from '../workspace/terminal/runConfigurations';
import { TerminalPanel } from '../workspace/terminal/TerminalPanel';
import { DeferredEditor } from './DeferredEditor';

const WorkspaceEditor = lazy(() => import('./WorkspaceEditor'));

export default function WorkspacePage() {
  const { uuid = '' } = useParams();
  return <WorkspaceLoader key={uuid} uuid={uuid} />;
}

function WorkspaceLoader({ uuid }: { uuid: string }) {
  const [opened, setOpened] = useState<{ workspace: Workspace; socket: WorkcellSocket }>();
  const [loadError, setLoadError] = useState<string>();

  useEffect(() => {
    let live = true;
    // Created here, not in render: StrictMode's rehearsal unmount must not leave the page
    // holding a disposed socket. Connecting beside the workspace's request, not after it,
    // brings the terminal sooner.
    const socket = new WorkcellSocket();
    request<Workspace>('GET', `/api/sessions/${uuid}`)
      .then((loaded) => {
        if (!live) return;
        setOpened({ workspace: loaded, socket });
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
  if (!opened) return <Loading label="Opening the workspace…" />;
  return <WorkspaceView workspace={opened.workspace} socket={opened.socket} />;
}

function WorkspaceView({ workspace, socket }: { workspace: Workspace; socket: WorkcellSocket }) {
  const [connection, setConnection] = useState<ConnectionState>(socket.state);
  const [cell, setCell] = useState<CellView>({ state: 'starting' });
  const [editorStatus, setEditorStatus] = useState<EditorStatus>({
    activePath: undefined,
    save: 'saved',
  });
  const [editor] = useState(() => new DeferredEditor());
  const [language, setLanguage] = useState<LanguageStatusView>();
  const [overlayHost, setOverlayHost] = useState<HTMLElement | null>(null);
  const terminal = useRef<TerminalHandle>(null);
  const runConfigurations = useMemo(
    () => new LocalRunConfigurations(workspace.uuid, localStorage),
    [workspace.uuid],
  );
  const [runningPaths, setRunningPaths] = useState<ReadonlySet<string>>(new Set());
  const tree = useRef<FileTreeHandle>(null);
  const narrow = useMediaQuery('(max-width: 700px)');
  const layout = useDefaultLayout({ id: 'workcell-workspace-layout', storage: localStorage });
  const editorColumn = useDefaultLayout({ id: 'workcell-editor-column', storage: localStorage });

  useEffect(() => socket.onState(setConnection), [socket]);

  useEffect(() => {
    // A first visit opens the workspace's main Python file, as a template's README would.
    if (loadOpenTabs(localStorage, workspace.uuid).paths.length > 0) return;
    let live = true;
    request<{ files: FileEntry[] }>('GET', workspaceUrl(workspace.uuid, 'files'))
      .then(({ files }) => {
        const main = mainPythonFile(files);
        if (live && main) editor.open(main);
      })
      .catch((error: unknown) => console.warn('files not listed', error));
    return () => {
      live = false;
    };
  }, [workspace.uuid, editor]);

  const startCell = useCallback(() => {
    setCell((current) => ({ ...current, state: 'starting', reason: undefined }));
    request<{ state: CellState; reason: string | null; python?: string | null }>(
      'POST',
      workspaceUrl(workspace.uuid, 'start'),
    )
      .then((status) =>
        setCell({
          state: status.state,
          reason: status.reason ?? undefined,
          python: status.python ?? undefined,
        }),
      )
      .catch((error: unknown) =>
        setCell({
          state: 'failed',
          reason: error instanceof Error ? error.message : String(error),
        }),
      );
  }, [workspace.uuid]);

  useEffect(() => {
    const stopOpen = socket.onOpen(() => {
      socket.send({ type: 'workspace.watch', workspace: workspace.uuid });
      startCell();
    });
    const stopMessages = socket.onMessage((message) => {
      if (message.type === 'cell.status' && message.workspace === workspace.uuid)
        setCell((current) => ({
          state: message.state as CellState,
          reason: message.reason,
          progress: message.progress,
          python: message.python ?? current.python,
        }));
    });
    return () => {
      stopOpen();
      stopMessages();
    };
  }, [socket, workspace.uuid, startCell]);

  const runActiveFile = useCallback(async () => {
    const path = editorStatus.activePath;
    if (!path?.endsWith('.py')) return;
    try {
      await editor.saveAll();
    } catch {
      return; // The save status says why; running stale code would mislead.
    }
    terminal.current?.runFile(path, runConfigurations.get(path));
  }, [editor, editorStatus.activePath, runConfigurations]);
  const openLocation = useCallback(
    ({ path, line, column }: Location) => editor.openAt(path, line, column),
    [editor],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'F5') {
        event.preventDefault();
        void runActiveFile();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [runActiveFile]);

  const canRun = editorStatus.activePath?.endsWith('.py') ?? false;
  const treePanel = (
    <FileTree
      ref={tree}
      workspace={workspace.uuid}
      socket={socket}
      activePath={editorStatus.activePath}
      onOpenFile={(path) => editor.open(path)}
      onRevealInTerminal={(folder) => terminal.current?.openIn(folder)}
    />
  );
  const editorPanel = (
    <Suspense fallback={<Loading label="Loading the editor…" />}>
      <WorkspaceEditor
        editor={editor}
        workspace={workspace.uuid}
        socket={socket}
        onStatus={setEditorStatus}
        onLanguage={setLanguage}
        overlayHost={overlayHost}
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
        <SettingsButton />
      </header>
      <main className="workspace-body">
        {/* One tree of panels in both layouts, only turned on its side on narrow screens,
            so crossing the breakpoint keeps the editor (and its undo history) mounted. */}
        <Group
          orientation={narrow ? 'vertical' : 'horizontal'}
          defaultLayout={layout.defaultLayout}
          onLayoutChanged={layout.onLayoutChanged}
        >
          <Panel id="files" defaultSize="20%" minSize="10%" collapsible>
            <section aria-label="Files" className="panel">
              {treePanel}
            </section>
          </Panel>
          <Separator className={narrow ? 'separator horizontal' : 'separator vertical'} />
          <Panel id="main" minSize="30%">
            <Group
              orientation="vertical"
              defaultLayout={editorColumn.defaultLayout}
              onLayoutChanged={editorColumn.onLayoutChanged}
            >
              <Panel id="editor" defaultSize="65%" minSize="15%">
                <section aria-label="Editor" className="panel">
                  {editorPanel}
                </section>
              </Panel>
              <Separator className="separator horizontal" />
              <Panel id="terminal" defaultSize="35%" minSize="10%" collapsible>
                <section aria-label="Terminal" className="panel">
                  {terminalPanel}
                </section>
              </Panel>
            </Group>
          </Panel>
        </Group>
      </main>
      <div className="workspace-overlays" ref={setOverlayHost} />
      <StatusBar
        connection={connection}
        socket={socket}
        cell={cell}
        editor={editorStatus}
        onRestartCell={startCell}
        language={language}
      />
    </div>
  );
}

const MAIN_FILES = ['main.py', 'script.py', 'app.py', 'analysis.py'];

function mainPythonFile(files: FileEntry[]): string | undefined {
  const python = files
    .filter((entry) => entry.type === 'file' && entry.path.endsWith('.py'))
    .map((entry) => entry.path);
  return (
    MAIN_FILES.find((name) => python.includes(name)) ?? python.find((path) => !path.includes('/'))
  );
}
