/**
 * The Problems list's model: Monaco's markers of open workspace files, worst first. Kept
 * apart from Monaco (markers come in as plain data) so it can be tested without an editor.
 */

export type ProblemSeverity = 'error' | 'warning' | 'info';

export interface Problem {
  path: string;
  line: number;
  column: number;
  severity: ProblemSeverity;
  message: string;
  source?: string;
}

/** The fields of a Monaco marker this list reads. */
export interface MarkerLike {
  resource: { toString(skipEncoding?: boolean): string };
  severity: number;
  message: string;
  source?: string;
  startLineNumber: number;
  startColumn: number;
}

const WORKSPACE_PREFIX = 'file:///workspace/';
/** monaco.MarkerSeverity's values; hints (1, "not accessed") are shown faded, not listed. */
const SEVERITY: Record<number, ProblemSeverity> = { 8: 'error', 4: 'warning', 2: 'info' };
const RANK: Record<ProblemSeverity, number> = { error: 0, warning: 1, info: 2 };

export function toProblems(markers: readonly MarkerLike[]): Problem[] {
  const problems: Problem[] = [];
  for (const marker of markers) {
    const severity = SEVERITY[marker.severity];
    const uri = marker.resource.toString(true);
    if (!severity || !uri.startsWith(WORKSPACE_PREFIX)) continue;
    problems.push({
      path: uri.slice(WORKSPACE_PREFIX.length),
      line: marker.startLineNumber,
      column: marker.startColumn,
      severity,
      message: marker.message,
      source: marker.source,
    });
  }
  return problems.sort(
    (a, b) =>
      RANK[a.severity] - RANK[b.severity] ||
      a.path.localeCompare(b.path) ||
      a.line - b.line ||
      a.column - b.column,
  );
}

export function countProblems(problems: readonly Problem[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const problem of problems) {
    if (problem.severity === 'error') errors += 1;
    else if (problem.severity === 'warning') warnings += 1;
  }
  return { errors, warnings };
}

export interface ProblemGroup {
  path: string;
  problems: Problem[];
}

/**
 * The Problems panel's groups: one per file, files by path, a file's problems worst first
 * then by line. `filter` keeps the problems whose message, source or path contain it
 * (case-insensitive), as VS Code's filter box does.
 */
export function groupProblems(problems: readonly Problem[], filter = ''): ProblemGroup[] {
  const needle = filter.trim().toLowerCase();
  const groups = new Map<string, Problem[]>();
  for (const problem of problems) {
    const text = `${problem.message} ${problem.source ?? ''} ${problem.path}`.toLowerCase();
    if (needle && !text.includes(needle)) continue;
    const group = groups.get(problem.path) ?? [];
    group.push(problem);
    groups.set(problem.path, group);
  }
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, grouped]) => ({ path, problems: grouped }));
}
