/**
 * The terminal panel: tabs of xterm.js terminals (new, rename, close, keyboard
 * navigation), a find bar, and `run(command)` for the page's Run button. What the
 * terminals are and what the server said lives in `TerminalSessions`; this draws it.
 */
import type { ISearchOptions } from '@xterm/addon-search';
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
import { TerminalSessions, type TerminalTab } from './sessions';
import { terminalThemes } from './themes';
import { TerminalView, type TerminalViewHandle } from './TerminalView';
import './TerminalPanel.css';

export interface TerminalPanelProps extends PanelProps {
  ref: Ref<TerminalHandle>;
}

export function TerminalPanel({ workspace, socket, ref }: TerminalPanelProps) {
  const { settings } = useSettings();
  const sessions = useMemo(
    () => new TerminalSessions({ workspace, socket, storage: browserStorage() }),
    [workspace, socket],
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

  useImperativeHandle(
    ref,
    () => ({
      run: (command: string) => {
        sessions.run(command);
        requestFocus();
      },
      focus: requestFocus,
    }),
    [sessions, requestFocus],
  );

  const focusTab = (id: string) =>
    tabList.current?.querySelector<HTMLElement>(`#terminal-tab-${CSS.escape(id)}`)?.focus();

  const addTerminal = () => {
    sessions.add();
    requestFocus();
  };

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
              <button
                key={tab.id}
                type="button"
                role="tab"
                id={`terminal-tab-${tab.id}`}
                className="terminal-tab"
                aria-selected={tab.id === activeId}
                aria-controls={`terminal-panel-${tab.id}`}
                tabIndex={tab.id === activeId ? 0 : -1}
                title={`${tab.name} (double-click or F2 to rename, Delete to close)`}
                onClick={() => sessions.activate(tab.id)}
                onDoubleClick={() => setRenaming(tab.id)}
                onKeyDown={(event) => onTabKeyDown(event, index)}
              >
                <span className="terminal-tab-name">{tab.name}</span>
                {tab.status === 'exited' && <span className="terminal-tab-mark"> (exited)</span>}
                {/* A mouse shortcut; keyboard and screen reader users have Delete and the
                    toolbar's Close button. */}
                <span
                  className="terminal-tab-close"
                  aria-hidden="true"
                  onClick={(event) => {
                    event.stopPropagation();
                    closeTerminal(tab.id);
                  }}
                >
                  ×
                </span>
              </button>
            ),
          )}
        </div>
        <div className="terminal-actions">
          <button
            type="button"
            className="terminal-action"
            aria-label="New terminal"
            title="New terminal"
            onClick={addTerminal}
          >
            +
          </button>
          <button
            type="button"
            className="terminal-action"
            aria-label="Rename terminal"
            title="Rename terminal (F2)"
            disabled={!active}
            onClick={() => active && setRenaming(active.id)}
          >
            ✎
          </button>
          <button
            type="button"
            className="terminal-action"
            aria-label="Close terminal"
            title="Close terminal (ends its shell)"
            disabled={!active}
            onClick={() => active && closeTerminal(active.id)}
          >
            ×
          </button>
          <button
            type="button"
            className="terminal-action"
            aria-label="Find in terminal"
            aria-pressed={findOpen}
            title="Find (Ctrl+Shift+F)"
            disabled={!active}
            onClick={() => setFindOpen((open) => !open)}
          >
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <circle
                cx="6.5"
                cy="6.5"
                r="4.5"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.6"
              />
              <path d="M10 10l4.5 4.5" stroke="currentColor" strokeWidth="1.6" />
            </svg>
          </button>
          <button
            type="button"
            className="terminal-action"
            aria-label="Copy selection"
            title="Copy selection (Ctrl+Shift+C)"
            disabled={!active}
            onClick={() => void copySelection()}
          >
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <rect
                x="5"
                y="5"
                width="9"
                height="9"
                rx="1"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.4"
              />
              <path d="M3 11H2V2h9v1" fill="none" stroke="currentColor" strokeWidth="1.4" />
            </svg>
          </button>
        </div>
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

function RenameInput({
  tab,
  onDone,
}: {
  tab: TerminalTab;
  /** The new name, or undefined when cancelled. */
  onDone: (name: string | undefined) => void;
}) {
  const finished = useRef(false);
  const finish = (name: string | undefined) => {
    if (finished.current) return;
    finished.current = true;
    onDone(name);
  };
  return (
    <input
      className="terminal-rename"
      aria-label={`New name for ${tab.name}`}
      defaultValue={tab.name}
      maxLength={60}
      autoFocus
      onFocus={(event) => event.currentTarget.select()}
      onBlur={(event) => finish(event.currentTarget.value)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') finish(event.currentTarget.value);
        else if (event.key === 'Escape') finish(undefined);
      }}
    />
  );
}

function FindBar({
  onFind,
  onClose,
}: {
  onFind: (text: string, options: ISearchOptions, backwards: boolean) => boolean;
  onClose: () => void;
}) {
  const [text, setText] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [missing, setMissing] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  /** Typing refines the current match (incremental); Enter and the arrows move on. */
  const find = (backwards: boolean, value = text, matchCase = caseSensitive, typing = false) => {
    setMissing(
      value !== '' && !onFind(value, { caseSensitive: matchCase, incremental: typing }, backwards),
    );
  };

  return (
    <div className="terminal-find" role="search" aria-label="Find in terminal">
      <input
        ref={input}
        type="search"
        className="terminal-find-input"
        aria-label="Find text"
        placeholder="Find"
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          find(false, event.target.value, caseSensitive, true);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            find(event.shiftKey);
          } else if (event.key === 'Escape') {
            event.preventDefault();
            onClose();
          }
        }}
      />
      <button
        type="button"
        className="terminal-action"
        aria-label="Match case"
        aria-pressed={caseSensitive}
        title="Match case"
        onClick={() => {
          setCaseSensitive(!caseSensitive);
          find(false, text, !caseSensitive, true);
        }}
      >
        Aa
      </button>
      <button
        type="button"
        className="terminal-action"
        aria-label="Previous match"
        title="Previous match (Shift+Enter)"
        onClick={() => find(true)}
      >
        ↑
      </button>
      <button
        type="button"
        className="terminal-action"
        aria-label="Next match"
        title="Next match (Enter)"
        onClick={() => find(false)}
      >
        ↓
      </button>
      <span className="terminal-find-result" aria-live="polite">
        {missing ? 'No matches' : ''}
      </span>
      <button
        type="button"
        className="terminal-action"
        aria-label="Close find"
        title="Close (Escape)"
        onClick={onClose}
      >
        ×
      </button>
    </div>
  );
}

/** localStorage, or nothing where the browser blocks it (the tabs then last a page load). */
function browserStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
