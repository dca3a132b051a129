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
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { spawnLocalAgent } from '@workcell/agent';

import { AgentClient } from '../packages/server/src/cells/agent-client';
import { formatIsolationReport } from '../packages/server/src/cells/local';
import { createTestHost, testSpec } from '../packages/server/src/cells/local/test-support';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '50' }, warmup: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);

// A scratch cells directory and cgroup parent, removed at the end.
const host = await createTestHost('bench');
const driver = host.driver();
const report = await driver.probe();
if (!report.usable) {
  console.error(formatIsolationReport(report));
  process.exit(1);
}

const spec = testSpec('bench');
const bareRoot = join(host.dir, 'bare');
await mkdir(bareRoot);

interface Sample {
  /** start() resolved: the sandbox is up and the agent has spoken. */
  started: number;
  ready: number;
  prompt: number;
  stop: number;
  /** The same agent started without a sandbox, for comparison. */
  bare: number;
}

async function once(): Promise<Sample> {
  const bare = await bareAgentReady();
  const t0 = performance.now();
  const cell = await driver.start(spec);
  const started = performance.now() - t0;
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
  return { started, ready, prompt, stop: performance.now() - t1, bare };
}

async function bareAgentReady(): Promise<number> {
  const t0 = performance.now();
  const { child, channel } = spawnLocalAgent({ root: bareRoot, home: join(host.dir, 'bare-home') });
  const agent = new AgentClient(channel);
  await agent.waitReady(60_000);
  const ready = performance.now() - t0;
  agent.dispose();
  child.kill('SIGKILL');
  return ready;
}

const samples: Sample[] = [];
try {
  for (let i = 0; i < warmup + runs; i++) {
    const sample = await once();
    if (i >= warmup) samples.push(sample);
    process.stderr.write(`\r${i + 1}/${warmup + runs}`);
  }
} finally {
  await host.dispose();
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
  ['request → start() resolved (sandbox up, agent spoke)', stats(samples.map((s) => s.started))],
  ['request → agent ready', stats(samples.map((s) => s.ready))],
  ['request → first shell prompt (PTY)', stats(samples.map((s) => s.prompt))],
  ['stop (not part of the start)', stats(samples.map((s) => s.stop))],
  ['for comparison: the agent unsandboxed, spawn → ready', stats(samples.map((s) => s.bare))],
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
