/**
 * The Problems list docked below the editor: the language server's diagnostics in every
 * open file, grouped by file (each group collapsible, with its count), worst first, with a
 * filter box. Choosing a problem (click or Enter) shows it in the editor. The region around
 * it (labelled "Problems") belongs to the page's bottom panel.
 */
import { useState } from 'react';

import { groupProblems, type Problem, type ProblemSeverity } from './problems';
import './ProblemsPanel.css';

export interface ProblemsPanelProps {
  problems: readonly Problem[];
  onReveal: (problem: Problem) => void;
}

const ICON: Record<ProblemSeverity, string> = { error: '⨂', warning: '⚠', info: 'ℹ' };
const LABEL: Record<ProblemSeverity, string> = {
  error: 'Error',
  warning: 'Warning',
  info: 'Info',
};

export function ProblemsPanel({ problems, onReveal }: ProblemsPanelProps) {
  const [filter, setFilter] = useState('');
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const groups = groupProblems(problems, filter);
  const toggle = (path: string) =>
    setCollapsed((current) => {
      const next = new Set(current);
      if (!next.delete(path)) next.add(path);
      return next;
    });

  return (
    <div className="problems">
      <input
        type="search"
        className="problems-filter"
        aria-label="Filter problems"
        placeholder="Filter (text, file)"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
      />
      {groups.length === 0 ? (
        <p className="problems-empty">
          {problems.length === 0 ? 'No problems in the open files.' : 'No problem matches.'}
        </p>
      ) : (
        <ul className="problems-list">
          {groups.map(({ path, problems: inFile }) => {
            const open = !collapsed.has(path);
            return (
              <li key={path}>
                <button
                  type="button"
                  className="problems-file"
                  aria-expanded={open}
                  onClick={() => toggle(path)}
                >
                  <span aria-hidden="true">{open ? '▾' : '▸'} </span>
                  {path}
                  <span className="problems-count">
                    {inFile.length}
                    <span className="visually-hidden">
                      {inFile.length === 1 ? ' problem' : ' problems'}
                    </span>
                  </span>
                </button>
                {open && (
                  <ul>
                    {inFile.map((problem) => (
                      <li key={`${problem.line}:${problem.column}:${problem.message}`}>
                        <ProblemItem problem={problem} onReveal={onReveal} />
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function ProblemItem({
  problem,
  onReveal,
}: {
  problem: Problem;
  onReveal: ProblemsPanelProps['onReveal'];
}) {
  return (
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
        <span className="visually-hidden"> at line </span>
        {problem.line}:{problem.column}
      </span>
    </button>
  );
}
