/** What every benchmark reports with: order statistics, the machine, docs/performance.md. */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';

import { format } from 'prettier';

/** Median and p99 (and p95); for a rate (higher is better) the p99 is the slow end. */
export function stats(samples: number[], rate = false) {
  const sorted = [...samples].sort((x, y) => (rate ? y - x : x - y));
  const rank = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { n: sorted.length, median: rank(0.5), p95: rank(0.95), p99: rank(0.99) };
}

export function machine(): string {
  const cgroup = existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1';
  const debian = existsSync('/etc/debian_version')
    ? `Debian ${readFileSync('/etc/debian_version', 'utf8').trim()}`
    : 'Linux';
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const busy = loadavg()[0]! > cpus().length ? ' (busy: other work was running)' : '';
  return (
    `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${debian}, Linux ${release()}, ` +
    `cgroup ${cgroup}, Node ${process.versions.node}; load average ${load} at the end${busy}`
  );
}

/** Replaces (or appends) the section under `heading` in docs/performance.md, keeping the others. */
export async function writeSection(heading: string, section: string): Promise<void> {
  const path = join(import.meta.dirname, '..', 'docs', 'performance.md');
  let doc = existsSync(path) ? await readFile(path, 'utf8') : '# Performance\n';
  const start = doc.indexOf(`\n${heading}\n`);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + heading.length + 1);
    doc = doc.slice(0, start + 1) + section + (next >= 0 ? `\n${doc.slice(next + 1)}` : '');
  } else {
    doc = `${doc.trimEnd()}\n\n${section}`;
  }
  await writeFile(path, await format(doc, { filepath: path }));
  console.error(`wrote the "${heading}" section of ${path}`);
}
