/**
 * One terminal tab on screen: an xterm.js Terminal with fit, web-links and search,
 * attached to its session. It stays mounted while another tab is shown, so its screen
 * keeps up with the output; unmounting detaches (the shell keeps running on the server).
 */
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon, type ISearchOptions } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { type ITheme, Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';

import { locationLinkProvider, type LocationTarget } from './locationLinks';
import type { TerminalTab } from './session';
import type { TerminalSessions } from './sessions';

export interface TerminalViewHandle {
  focus: () => void;
  /** Copies the selection; false when nothing is selected. */
  copy: () => Promise<boolean>;
  find: (text: string, options: ISearchOptions, backwards: boolean) => boolean;
  clearFind: () => void;
}

export interface TerminalViewProps {
  sessions: TerminalSessions;
  tab: TerminalTab;
  active: boolean;
  theme: ITheme;
  fontSize: number;
  /** Changes when the page asks for the terminal to take the focus. */
  focusRequest: number;
  onHandle: (id: string, handle: TerminalViewHandle | undefined) => void;
  onFindShortcut: () => void;
  /** Where file locations in the output lead (tracebacks, `path:line`). */
  locations: LocationTarget;
}

const RESIZE_DEBOUNCE_MS = 150;
/** Below this the panel is collapsed: fitting would shrink the shell to 2 columns. */
const MIN_FIT_PX = 40;
const FONT_FAMILY = "ui-monospace, 'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace";

export function TerminalView({
  sessions,
  tab,
  active,
  theme,
  fontSize,
  focusRequest,
  onHandle,
  onFindShortcut,
  locations,
}: TerminalViewProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal>(null);
  const fitRef = useRef<() => void>(null);
  const findShortcut = useRef(onFindShortcut);
  const id = tab.id;

  const locationTarget = useRef(locations);
  useEffect(() => {
    findShortcut.current = onFindShortcut;
    locationTarget.current = locations;
  }, [onFindShortcut, locations]);

  useEffect(() => {
    const host = hostRef.current!;
    const term = new Terminal({
      theme,
      fontSize,
      fontFamily: FONT_FAMILY,
      cursorBlink: true,
      scrollback: 5000,
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(
      new WebLinksAddon((event, uri) => {
        event.preventDefault();
        window.open(uri, '_blank', 'noopener,noreferrer');
      }),
    );
    term.registerLinkProvider(
      locationLinkProvider(term, {
        exists: (path) => locationTarget.current.exists?.(path) ?? true,
        open: (location) => locationTarget.current.open(location),
      }),
    );
    term.open(host);
    termRef.current = term;

    const safeFit = () => {
      if (host.clientWidth >= MIN_FIT_PX && host.clientHeight >= MIN_FIT_PX) fit.fit();
    };
    fitRef.current = safeFit;
    safeFit();

    const copy = async () => {
      const selection = term.getSelection();
      if (selection === '') return false;
      try {
        await navigator.clipboard.writeText(selection);
        return true;
      } catch {
        return false;
      }
    };

    term.attachCustomKeyEventHandler((event) => {
      // F5 is the page's Run: let it through instead of sending an escape sequence.
      if (event.key === 'F5') return false;
      if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return true;
      const keydown = event.type === 'keydown';
      switch (event.code) {
        case 'KeyC':
          if (keydown) {
            event.preventDefault();
            void copy();
          }
          return false;
        case 'KeyV':
          // Not prevented: the browser's paste event follows and xterm pastes it
          // (bracketed when the shell asked for it).
          return false;
        case 'KeyF':
          if (keydown) {
            event.preventDefault();
            findShortcut.current();
          }
          return false;
        default:
          return true;
      }
    });

    const input = term.onData((data) => sessions.input(id, data));
    let resizeTimer: ReturnType<typeof setTimeout> | undefined;
    const resized = term.onResize(({ cols, rows }) => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => sessions.resize(id, cols, rows), RESIZE_DEBOUNCE_MS);
    });
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(safeFit);
    });
    observer.observe(host);

    sessions.attachScreen(id, {
      get cols() {
        return term.cols;
      },
      get rows() {
        return term.rows;
      },
      // In band, so output still queued in xterm's write buffer cannot land after it.
      reset: () => term.write('\x1bc'),
      write: (data, rendered) => term.write(data, rendered),
    });
    onHandle(id, {
      focus: () => term.focus(),
      copy,
      find: (text, options, backwards) =>
        backwards ? search.findPrevious(text, options) : search.findNext(text, options),
      clearFind: () => {
        search.clearDecorations();
        term.clearSelection();
      },
    });

    return () => {
      onHandle(id, undefined);
      sessions.detachScreen(id);
      observer.disconnect();
      cancelAnimationFrame(frame);
      clearTimeout(resizeTimer);
      input.dispose();
      resized.dispose();
      termRef.current = null;
      fitRef.current = null;
      term.dispose(); // disposes the loaded addons too
    };
    // One Terminal per tab for its whole life; theme and font changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sessions, id, onHandle]);

  useEffect(() => {
    const term = termRef.current;
    if (!term) return;
    term.options.theme = theme;
    term.options.fontSize = fontSize;
    fitRef.current?.();
  }, [theme, fontSize]);

  useEffect(() => {
    if (active) fitRef.current?.();
  }, [active]);

  useEffect(() => {
    if (active && focusRequest > 0) termRef.current?.focus();
  }, [active, focusRequest]);

  return (
    <div
      className="terminal-view"
      role="tabpanel"
      id={`terminal-panel-${id}`}
      aria-labelledby={`terminal-tab-${id}`}
      data-active={active}
      data-status={tab.status}
    >
      <div className="terminal-host" ref={hostRef} />
      <TerminalOverlay tab={tab} onRetry={() => sessions.retry(id)} />
    </div>
  );
}

function TerminalOverlay({ tab, onRetry }: { tab: TerminalTab; onRetry: () => void }) {
  switch (tab.status) {
    case 'idle':
    case 'opening':
      return (
        <div className="terminal-overlay" role="status">
          <p className="terminal-overlay-box">⏳ Initializing…</p>
        </div>
      );
    case 'disconnected':
      return (
        <div className="terminal-overlay dimmed" role="status">
          <p className="terminal-overlay-box">
            Reconnecting…
            <span className="terminal-overlay-detail">
              Typing is paused: keys pressed now are discarded, not sent later.
            </span>
          </p>
        </div>
      );
    case 'error':
      return (
        <div className="terminal-overlay dimmed" role="alert">
          <div className="terminal-overlay-box">
            <p>{tab.error?.message ?? 'The terminal could not be opened.'}</p>
            <button type="button" className="button primary" onClick={onRetry}>
              Retry
            </button>
          </div>
        </div>
      );
    default:
      return null;
  }
}
