/**
 * The panel below the editor, as VS Code's: a Terminal tab and a Problems tab with the
 * count of errors and warnings. Both stay mounted; the Problems list itself comes from the
 * editor's chunk into `onProblemsHost`'s element.
 */
import { type ReactNode, useCallback, useEffect, useId, useRef } from 'react';

export type BottomTab = 'terminal' | 'problems';

export interface BottomPanelProps {
  tab: BottomTab;
  onTab: (tab: BottomTab) => void;
  terminal: ReactNode;
  /** Errors and warnings in the open files, once the language server has started. */
  problemCount?: number;
  onProblemsHost: (element: HTMLElement | null) => void;
  /** Changes when the Problems panel is asked for from the keyboard: focus goes into it. */
  focusProblems: number;
}

export function BottomPanel(props: BottomPanelProps) {
  const { tab, onTab, terminal, problemCount, onProblemsHost, focusProblems } = props;
  const id = useId();
  const problems = useRef<HTMLElement | null>(null);
  const problemsRef = useCallback(
    (element: HTMLElement | null) => {
      problems.current = element;
      onProblemsHost(element);
    },
    [onProblemsHost],
  );

  useEffect(() => {
    if (focusProblems === 0) return;
    const first =
      problems.current?.querySelector<HTMLElement>('.problem') ??
      problems.current?.querySelector<HTMLElement>('input');
    first?.focus();
  }, [focusProblems]);

  const tabButton = (which: BottomTab, label: ReactNode) => (
    <button
      type="button"
      role="tab"
      id={`${id}-${which}-tab`}
      aria-selected={tab === which}
      aria-controls={`${id}-${which}`}
      tabIndex={tab === which ? 0 : -1}
      onClick={() => onTab(which)}
    >
      {label}
    </button>
  );
  return (
    <div className="bottom-panel panel">
      <div
        className="bottom-panel-tabs"
        role="tablist"
        aria-label="Panel"
        onKeyDown={(event) => {
          // Two tabs: either arrow goes to the other one.
          if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
          const other = tab === 'terminal' ? 'problems' : 'terminal';
          onTab(other);
          document.getElementById(`${id}-${other}-tab`)?.focus();
        }}
      >
        {tabButton('terminal', 'Terminal')}
        {tabButton(
          'problems',
          <>
            Problems
            {problemCount !== undefined && (
              <span className="bottom-panel-count">{problemCount}</span>
            )}
          </>,
        )}
      </div>
      <section
        id={`${id}-terminal`}
        aria-label="Terminal"
        className="panel"
        hidden={tab !== 'terminal'}
      >
        {terminal}
      </section>
      <section
        id={`${id}-problems`}
        aria-label="Problems"
        className="panel"
        hidden={tab !== 'problems'}
        ref={problemsRef}
      />
    </div>
  );
}
