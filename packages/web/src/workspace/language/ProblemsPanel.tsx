/**
 * The Problems list: the language server's errors and warnings in the open files, worst
 * first; choosing one shows it in the editor. A panel above the status bar, closed with
 * Escape or its close button.
 */
import { useEffect, useRef } from 'react';

import type { Problem, ProblemSeverity } from './problems';
import './ProblemsPanel.css';

export interface ProblemsPanelProps {
  problems: readonly Problem[];
  onReveal: (problem: Problem) => void;
  onClose: () => void;
}

const ICON: Record<ProblemSeverity, string> = { error: '⨂', warning: '⚠', info: 'ℹ' };
const LABEL: Record<ProblemSeverity, string> = {
  error: 'Error',
  warning: 'Warning',
  info: 'Info',
};

export function ProblemsPanel({ problems, onReveal, onClose }: ProblemsPanelProps) {
  const panel = useRef<HTMLElement>(null);

  useEffect(() => {
    // Opened from the status bar: focus moves in, so the keyboard can go on from there.
    const first =
      panel.current?.querySelector<HTMLElement>('.problem') ??
      panel.current?.querySelector<HTMLElement>('.problems-close');
    first?.focus();
  }, []);

  return (
    <section
      ref={panel}
      className="problems-panel"
      aria-label="Problems"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <header className="problems-header">
        <h2>Problems</h2>
        <button
          type="button"
          className="problems-close"
          aria-label="Close problems"
          onClick={onClose}
        >
          ✕
        </button>
      </header>
      {problems.length === 0 ? (
        <p className="problems-empty">No problems in the open files.</p>
      ) : (
        <ul className="problems-list">
          {problems.map((problem) => (
            <li key={`${problem.path}:${problem.line}:${problem.column}:${problem.message}`}>
              <button
                type="button"
                className="problem"
                data-severity={problem.severity}
                onClick={() => onReveal(problem)}
              >
                <span className="problem-icon" aria-hidden="true">
                  {ICON[problem.severity]}
                </span>
                <span className="visually-hidden">{LABEL[problem.severity]}: </span>
                <span className="problem-message">{problem.message}</span>
                <span className="problem-where">
                  {problem.path}:{problem.line}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
