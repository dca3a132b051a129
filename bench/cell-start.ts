/**
 * Cell cold start with the local driver: from the start request to the agent's `ready`,
 * and to the first shell prompt through a PTY. Needs root, like the cells themselves.
 *
 *   npx tsx bench/cell-start.ts [--runs 50] [--warmup 3]
 *
 * Each run starts the same workspace's cell (its volume image already exists, as for any
 * workspace that ran before), waits for the agent, opens a terminal, waits for the prompt
 * and stops the cell. Prints the figures and a section for docs/performance.md.
 */
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { AgentClient } from '../packages/server/src/cells/agent-client';
import {
  DEFAULT_CELL_LIMITS,
  formatIsolationReport,
  hostUidBaseOfSlot,
  LocalCellDriver,
} from '../packages/server/src/cells/local';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '50' }, warmup: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);

const dir = await mkdtemp(join(tmpdir(), 'workcell-bench-'));
await chmod(dir, 0o711);
const driver = new LocalCellDriver({
  cellsDir: join(dir, 'cells'),
  cgroupParent: `workcell-bench-${process.pid}`,
});
const report = await driver.probe();
if (!report.usable) {
  console.error(formatIsolationReport(report));
  process.exit(1);
}

const spec = {
  workspaceId: 'bench',
  hostUid: hostUidBaseOfSlot(990),
  limits: DEFAULT_CELL_LIMITS,
  blockedCommands: [
    'sudo',
    'su',
    'chmod',
    'chown',
    'reboot',
    'shutdown',
    'ssh',
    'nc',
    'telnet',
    'wget',
    'curl',
    'nohup',
    'crontab',
    'screen',
    'tmux',
    'dd',
    'mount',
    'mkfs',
  ],
};

interface Sample {
  launched: number;
  ready: number;
  prompt: number;
  stop: number;
}

async function once(): Promise<Sample> {
  const t0 = performance.now();
  const cell = await driver.start(spec);
  const launched = performance.now() - t0;
  const agent = new AgentClient(cell.channel);
  await agent.waitReady(60_000);
  const ready = performance.now() - t0;
  let output = '';
  const prompted = new Promise<void>((resolve) => {
    agent.on('pty.output', (_event, body) => {
      output += body.toString('utf8');
      if (output.includes('$ ')) resolve();
    });
  });
  await agent.request({ op: 'pty.open', ptyId: 'bench', cols: 80, rows: 24 });
  await prompted;
  const prompt = performance.now() - t0;
  const t1 = performance.now();
  agent.dispose();
  await cell.stop();
  return { launched, ready, prompt, stop: performance.now() - t1 };
}

const samples: Sample[] = [];
try {
  for (let i = 0; i < warmup + runs; i++) {
    const sample = await once();
    if (i >= warmup) samples.push(sample);
    process.stderr.write(`\r${i + 1}/${warmup + runs}`);
  }
} finally {
  await driver.sweepOrphans(new Set());
  await rm(dir, { recursive: true, force: true });
}
process.stderr.write('\n');

function stats(values: number[]) {
  const sorted = [...values].sort((x, y) => x - y);
  const rank = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { median: rank(0.5), p99: rank(0.99), min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN };
}

const ms = (x: number) => x.toFixed(1);
const rows = [
  ['request → sandbox launched (driver)', stats(samples.map((s) => s.launched))],
  ['request → agent ready', stats(samples.map((s) => s.ready))],
  ['request → first shell prompt (PTY)', stats(samples.map((s) => s.prompt))],
  ['stop (not part of the start)', stats(samples.map((s) => s.stop))],
] as const;
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Linux ${release()}, load average ${loadavg()
  .map((x) => x.toFixed(2))
  .join(' ')} at the end`;

console.log(`## Cell cold start

${samples.length} starts (after ${warmup} warm-ups) of one workspace's cell with the local driver and
the default limits (0.5 core, 512 MiB, 256 pids), its volume image already present.
Machine: ${machine}.
Command: \`sudo npx tsx bench/cell-start.ts --runs ${runs}\`.

| Step | Median | p99 | Min | Max |
|---|---|---|---|---|
${rows.map(([name, s]) => `| ${name} | ${ms(s.median)} ms | ${ms(s.p99)} ms | ${ms(s.min)} ms | ${ms(s.max)} ms |`).join('\n')}
`);
