/**
 * The terminal panel: tabs of xterm.js terminals (new, rename, close, keyboard
 * navigation), a find bar, run tabs for the page's Run button (with Stop), and links from
 * file locations in the output to the editor. What the terminals are and what the server
 * said lives in `TerminalSessions`; this draws it.
 */
import {
  type KeyboardEvent,
  type Ref,
  useCallback,
  useEffect,
  useImperativeHandle,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';

import { useSettings } from '../../settings/settings';
import type { PanelProps, TerminalHandle } from '../contracts';
import { FindBar } from './FindBar';
import type { Location } from './locationLinks';
import { RenameInput } from './RenameInput';
import type { TerminalTabsMemory } from './storedTabs';
import { isRunning } from './session';
import { TerminalSessions } from './sessions';
import { TerminalActions } from './TerminalActions';
import { TerminalTabButton } from './TerminalTabButton';
import { terminalThemes } from './themes';
import { TerminalView, type TerminalViewHandle } from './TerminalView';
import './TerminalPanel.css';

export interface TerminalPanelProps extends PanelProps {
  ref: Ref<TerminalHandle>;
  /** A file location in the output was clicked. */
  onOpenLocation: (location: Location) => void;
  /** Whether the workspace has this file (links only to those); every path when omitted. */
  fileExists?: (path: string) => boolean;
  /** The files whose runs are running now, whenever that changes. */
  onRunningChange?: (paths: ReadonlySet<string>) => void;
  /** Where the tabs are remembered, so a reload reattaches the same shells. */
  tabsMemory?: TerminalTabsMemory;
}

export function TerminalPanel({
  workspace,
  socket,
  ref,
  onOpenLocation,
  fileExists,
  onRunningChange,
  tabsMemory,
}: TerminalPanelProps) {
  const { settings } = useSettings();
  const sessions = useMemo(
    () => new TerminalSessions({ workspace, socket, memory: tabsMemory }),
    [workspace, socket, tabsMemory],
  );
  useEffect(() => {
    sessions.start();
    return () => sessions.stop();
  }, [sessions]);
  const { tabs, activeId } = useSyncExternalStore(sessions.subscribe, sessions.getSnapshot);

  const handles = useRef(new Map<string, TerminalViewHandle>());
  const onHandle = useCallback((id: string, handle: TerminalViewHandle | undefined) => {
    if (handle) handles.current.set(id, handle);
    else handles.current.delete(id);
  }, []);
  const [focusRequest, setFocusRequest] = useState(0);
  const requestFocus = useCallback(() => setFocusRequest((n) => n + 1), []);
  const [renaming, setRenaming] = useState<string>();
  const [findOpen, setFindOpen] = useState(false);
  const [copied, setCopied] = useState<string>();
  const tabList = useRef<HTMLDivElement>(null);

  const addTerminal = useCallback(() => {
    sessions.add();
    requestFocus();
  }, [sessions, requestFocus]);
  useImperativeHandle(
    ref,
    () => ({
      runFile: (path, config) => {
        sessions.runFile(path, config);
        requestFocus();
      },
      stopRun: (path) => {
        const tab = sessions.getSnapshot().tabs.find((t) => t.run?.path === path);
        if (tab) sessions.stopRun(tab.id);
      },
      newTerminal: addTerminal,
      openIn: (folder) => {
        sessions.add(folder);
        requestFocus();
      },
      focus: requestFocus,
    }),
    [sessions, requestFocus, addTerminal],
  );

  const runningKey = tabs
    .filter(isRunning)
    .map((tab) => tab.run!.path)
    .join('\n');
  useEffect(() => {
    onRunningChange?.(new Set(runningKey === '' ? [] : runningKey.split('\n')));
  }, [runningKey, onRunningChange]);
  const locations = useMemo(
    () => ({ exists: fileExists, open: onOpenLocation }),
    [fileExists, onOpenLocation],
  );

  const focusTab = (id: string) =>
    tabList.current?.querySelector<HTMLElement>(`#terminal-tab-${CSS.escape(id)}`)?.focus();

  const closeTerminal = (id: string) => {
    sessions.close(id);
    if (renaming === id) setRenaming(undefined);
  };

  const onTabKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const last = tabs.length - 1;
    const target: Record<string, number> = {
      ArrowRight: index === last ? 0 : index + 1,
      ArrowLeft: index === 0 ? last : index - 1,
      Home: 0,
      End: last,
    };
    const next = target[event.key];
    if (next !== undefined) {
      event.preventDefault();
      const id = tabs[next]!.id;
      sessions.activate(id);
      focusTab(id);
    } else if (event.key === 'F2') {
      event.preventDefault();
      setRenaming(tabs[index]!.id);
    } else if (event.key === 'Delete') {
      event.preventDefault();
      closeTerminal(tabs[index]!.id);
      const neighbour = tabs[index + 1] ?? tabs[index - 1];
      if (neighbour) focusTab(neighbour.id);
    }
  };

  const copySelection = async () => {
    const done = activeId ? await handles.current.get(activeId)?.copy() : false;
    setCopied(done ? 'Copied' : 'Select text in the terminal first');
  };
  useEffect(() => {
    if (copied === undefined) return;
    const timer = setTimeout(() => setCopied(undefined), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  const openFind = useCallback(() => setFindOpen(true), []);
  const theme = terminalThemes[settings.theme];
  const active = tabs.find((tab) => tab.id === activeId);

  return (
    <div className="terminal-panel">
      <div className="terminal-toolbar">
        <div className="terminal-tabs" role="tablist" aria-label="Terminals" ref={tabList}>
          {tabs.map((tab, index) =>
            renaming === tab.id ? (
              <RenameInput
                key={tab.id}
                tab={tab}
                onDone={(name) => {
                  if (name !== undefined) sessions.rename(tab.id, name);
                  setRenaming(undefined);
                  requestAnimationFrame(() => focusTab(tab.id));
                }}
              />
            ) : (
              <TerminalTabButton
                key={tab.id}
                tab={tab}
                selected={tab.id === activeId}
                onSelect={() => sessions.activate(tab.id)}
                onRename={() => setRenaming(tab.id)}
                onClose={() => closeTerminal(tab.id)}
                onKeyDown={(event) => onTabKeyDown(event, index)}
              />
            ),
          )}
        </div>
        <TerminalActions
          active={active}
          findOpen={findOpen}
          onNew={addTerminal}
          onRename={() => active && setRenaming(active.id)}
          onClose={() => active && closeTerminal(active.id)}
          onStop={() => active && sessions.stopRun(active.id)}
          onToggleFind={() => setFindOpen((open) => !open)}
          onCopy={() => void copySelection()}
        />
        <span className="visually-hidden" role="status">
          {copied}
        </span>
      </div>
      {copied && (
        <div className="terminal-toast" aria-hidden="true">
          {copied}
        </div>
      )}
      {findOpen && active && (
        <FindBar
          onFind={(text, options, backwards) =>
            handles.current.get(active.id)?.find(text, options, backwards) ?? false
          }
          onClose={() => {
            handles.current.get(active.id)?.clearFind();
            setFindOpen(false);
            requestFocus();
          }}
        />
      )}
      <div className="terminal-stack">
        {tabs.map((tab) => (
          <TerminalView
            key={tab.id}
            sessions={sessions}
            tab={tab}
            active={tab.id === activeId}
            theme={theme}
            fontSize={settings.fontSize}
            focusRequest={focusRequest}
            onHandle={onHandle}
            onFindShortcut={openFind}
            locations={locations}
          />
        ))}
        {tabs.length === 0 && (
          <div className="terminal-empty">
            <p>No terminal is open.</p>
            <button type="button" className="button" onClick={addTerminal}>
              Open a terminal
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
