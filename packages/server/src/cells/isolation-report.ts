import type { IsolationReport } from './driver';

/** The report as `workcell doctor` prints it: a line per feature and a verdict. */
export function formatIsolationReport(report: IsolationReport): string {
  const width = Math.max(...report.features.map((f) => f.name.length));
  const lines = report.features.map((f) => {
    const status = f.ok ? 'ok' : f.required ? 'missing' : 'degraded';
    return `  ${status.padEnd(8)}  ${f.name.padEnd(width)}  ${f.detail}`;
  });
  const missing = report.features.filter((f) => !f.ok && f.required).map((f) => f.name);
  const degraded = report.features.filter((f) => !f.ok && !f.required).map((f) => f.name);
  const verdict = !report.usable
    ? `cells cannot start: missing ${missing.join(', ')}. Workcell never runs user code unsandboxed.`
    : degraded.length > 0
      ? `cells can start, degraded: ${degraded.join(', ')}.`
      : 'cells can start with full isolation.';
  return [`Isolation (${report.driver} driver):`, ...lines, `Verdict: ${verdict}`].join('\n');
}
