/**
 * Cell cold start with the local driver, and what an idle cell costs. Needs root, like the
 * cells themselves.
 *
 *   npx tsx bench/cell-start.ts [--runs 20] [--repeat 3] [--warmup 2] [--idle 30] [--no-docs]
 *
 * A batch of `runs` rounds, `repeat` times (the figures are medians of the batches'
 * medians, with their spread). Each round starts, in turn and through the same driver
 * (cgroups, volume, bash → setpriv → bwrap with the cell's own options, uid maps):
 * - the cell with a trivial command instead of the agent (`sh` writing one byte on the
 *   agent's descriptor: the smallest thing that can say it is up), the sandbox's floor;
 * - the cell with a bare Node (`node -e`, writing that byte), Node's floor in the sandbox;
 * - the real cell: start → agent ready → first shell prompt through a PTY;
 * - the agent without a sandbox, spawn → ready.
 * Each step of the real start is timed from the driver's onStep reports and the times in
 * the agent's ready event. During each batch another cell, started as the server starts
 * one, stays idle; after at least `idle` seconds (V8 shrinks an idle heap after some
 * seconds) its processes' proportional set sizes are read (PSS, /proc/<pid>/smaps_rollup:
 * shared pages are split between the processes sharing them).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { spawnLocalAgent } from '@workcell/agent';

import { machine, stats, writeSection } from './report';
import { AgentClient } from '../packages/server/src/cells/agent-client';
import { formatIsolationReport } from '../packages/server/src/cells/local';
import type { StartStep } from '../packages/server/src/cells/local/local-driver';
import { createTestHost, testSpec } from '../packages/server/src/cells/local/test-support';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    idle: { type: 'string', default: '30' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const REPEAT = Number(values.repeat);
const WARMUP = Number(values.warmup);
const IDLE_S = Number(values.idle);
const log = (text: string) => process.stderr.write(`${text}\n`);
const now = () => performance.timeOrigin + performance.now();

/** Writes one byte on the agent's descriptor, as the agent's ready frame would. */
const SAY_UP = 'printf x >&3; exec sleep 600';
const NODE_UP = "require('fs').writeSync(3, 'x'); setInterval(() => {}, 1e6)";

const host = await createTestHost('bench');
let aborted = false;
process.once('SIGINT', () => {
  aborted = true;
  log('interrupted: cleaning up');
});

/** The driver's step reports of the start under way, as epoch ms. */
let marks = new Map<StartStep, number>();
const driverOptions = { onStep: (_id: string, step: StartStep) => marks.set(step, now()) };
const driver = host.driver(driverOptions);
const shDriver = host.driver({ ...driverOptions, command: () => ['/bin/sh', '-c', SAY_UP] });
const nodeDriver = host.driver({
  ...driverOptions,
  command: ([node = '/usr/bin/node']) => [node, '-e', NODE_UP],
});
const report = await driver.probe();
if (!report.usable) {
  log(formatIsolationReport(report));
  await host.dispose();
  process.exit(1);
}
await Promise.all([shDriver.probe(), nodeDriver.probe()]);
const spec = testSpec('bench');
const idleSpec = testSpec('bench-idle');
const bareRoot = join(host.dir, 'bare');
await mkdir(bareRoot);

type Row = Record<string, number>;

/** A baseline: request → first byte and spawn (cgroup and volume ready) → first byte. */
async function baseline(which: typeof shDriver, name: string): Promise<Row> {
  marks = new Map();
  const t0 = now();
  const cell = await which.start(spec);
  const spawned = Math.max(marks.get('cgroup') ?? t0, marks.get('volume') ?? t0);
  const row = {
    [`${name}: request → up`]: marks.get('agent')! - t0,
    [`${name}: spawn → up`]: marks.get('agent')! - spawned,
  };
  await cell.stop();
  return row;
}

async function realCell(): Promise<Row> {
  marks = new Map();
  const t0 = now();
  const cell = await driver.start(spec);
  const agent = new AgentClient(cell.channel);
  const ready = await agent.waitReady(60_000);
  const tReady = now();
  let output = '';
  const prompted = new Promise<void>((resolve) => {
    agent.on('pty.output', (_event, body) => {
      output += body.toString('utf8');
      if (output.includes('$ ')) resolve();
    });
  });
  await agent.request({ op: 'pty.open', ptyId: 'bench', cols: 80, rows: 24 });
  await prompted;
  const tPrompt = now();
  agent.dispose();
  const tStop = now();
  await cell.stop();
  const stopped = now();
  const m = (step: StartStep) => marks.get(step)!;
  const s = ready.startup;
  if (!s) throw new Error('the agent reported no start-up times: is dist/ built?');
  const spawned = Math.max(m('cgroup'), m('volume'));
  return {
    'request → agent ready': tReady - t0,
    'request → first shell prompt': tPrompt - t0,
    'spawn → agent up': m('agent') - spawned,
    'code cache used': s.codeCache ? 1 : 0,
    // The steps, in order; cgroup and volume run in parallel.
    '1 crash left-overs check': m('leftovers') - t0,
    '2a cgroup creation': m('cgroup') - m('leftovers'),
    '2b volume mount': m('volume') - m('leftovers'),
    '3 bash → setpriv → bwrap, namespaces': m('namespaces') - spawned,
    '4 uid/gid maps written': m('mapped') - m('namespaces'),
    "5 bwrap's mounts → exec of the agent": s.at - m('mapped'),
    "6 Node's own start": s.node,
    '7 agent code loaded (code cache)': s.compiled - s.node,
    '8 agent modules run → ready sent': s.ready - s.compiled,
    '9 ready → the server': m('agent') - (s.at + s.ready),
    '10 CPU limit, start() returns': m('limited') - m('agent'),
    '11 ready → first prompt': tPrompt - tReady,
    'stop (not part of the start)': stopped - tStop,
  };
}

async function bareAgent(): Promise<Row> {
  const t0 = now();
  const { child, channel } = spawnLocalAgent({ root: bareRoot, home: join(host.dir, 'bare-home') });
  const agent = new AgentClient(channel);
  try {
    await agent.waitReady(60_000);
    return { 'agent without a sandbox: spawn → ready': now() - t0 };
  } finally {
    agent.dispose();
    child.kill('SIGKILL');
  }
}

const field = (text: string, name: string) =>
  Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);

/** Processes of the cell (its cgroup, whichever hierarchy has one) and their PSS in KiB. */
async function cellMemory(workspaceId: string): Promise<Row> {
  const base = '/sys/fs/cgroup';
  const candidates = [join(base, 'memory', host.cgroupParent, workspaceId)];
  candidates.push(join(base, host.cgroupParent, workspaceId));
  let pids: number[] = [];
  let usage = NaN;
  for (const dir of candidates) {
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => undefined);
    if (procs === undefined) continue;
    pids = procs.split('\n').filter(Boolean).map(Number);
    const bytes = await readFile(join(dir, 'memory.usage_in_bytes'), 'utf8')
      .catch(() => readFile(join(dir, 'memory.current'), 'utf8'))
      .catch(() => 'NaN');
    usage = Number(bytes) / 1024;
    break;
  }
  const row: Row = { 'PSS: agent (node)': 0, 'PSS: bwrap (2 processes)': 0, 'PSS: other': 0 };
  for (const pid of pids) {
    const [comm, rollup] = await Promise.all([
      readFile(`/proc/${pid}/comm`, 'utf8'),
      readFile(`/proc/${pid}/smaps_rollup`, 'utf8'),
    ]).catch(() => ['', '']);
    const key = comm.startsWith('node')
      ? 'PSS: agent (node)'
      : comm.startsWith('bwrap')
        ? 'PSS: bwrap (2 processes)'
        : 'PSS: other';
    row[key]! += field(rollup, 'Pss') || 0;
    if (key === 'PSS: agent (node)') row['RSS: agent (node)'] = field(rollup, 'Rss');
  }
  row['PSS: the cell'] = Object.entries(row)
    .filter(([name]) => name.startsWith('PSS: ') && name !== 'PSS: the cell')
    .reduce((sum, [, kib]) => sum + kib, 0);
  row["the cell's memory cgroup (charged pages)"] = usage;
  row.processes = pids.length;
  return row;
}

/**
 * A cell started as the server starts one (ready, the file watch, a listing, an exec as
 * the Python version check), left idle while a batch runs; measured at its end.
 */
async function startIdleCell() {
  const cell = await driver.start(idleSpec);
  const agent = new AgentClient(cell.channel);
  await agent.waitReady(60_000);
  await agent.request({ op: 'watch.start', ignore: ['.venv', '__pycache__', '.workcell'] });
  await agent.request({ op: 'fs.list', ignore: [], hash: true });
  await agent.request({
    op: 'exec.run',
    execId: 'python-version',
    argv: ['python3', '-c', 'import sys; print(sys.version)'],
    timeoutMs: 10_000,
    maxOutputBytes: 4096,
  });
  const since = performance.now();
  return {
    measure: async () => {
      await sleep(Math.max(0, IDLE_S * 1000 - (performance.now() - since)));
      return cellMemory(idleSpec.workspaceId);
    },
    stop: async () => {
      agent.dispose();
      await cell.stop();
    },
  };
}

const batches: { start: Row[]; memory: Row }[] = [];
const started = performance.now();
try {
  for (let i = 0; i < WARMUP && !aborted; i++) {
    await baseline(shDriver, 'w');
    await realCell();
  }
  for (let b = 0; b < REPEAT && !aborted; b++) {
    const idle = await startIdleCell();
    try {
      const start: Row[] = [];
      for (let i = 0; i < RUNS && !aborted; i++) {
        // Interleaved, so that drifting load affects all alike.
        start.push({
          ...(await baseline(shDriver, 'bwrap + sh')),
          ...(await baseline(nodeDriver, 'bwrap + node -e')),
          ...(await realCell()),
          ...(await bareAgent()),
        });
        process.stderr.write(`\rbatch ${b + 1}/${REPEAT}: ${i + 1}/${RUNS}`);
      }
      if (aborted) break;
      batches.push({ start, memory: await idle.measure() });
      process.stderr.write('\n');
    } finally {
      await idle.stop();
    }
  }
} finally {
  await host.dispose();
}
if (aborted || batches.length === 0) process.exit(130);
const seconds = (performance.now() - started) / 1000;

/** Per batch: the median and p99 of each figure; overall: the median and range of those. */
function summarise(rows: Row[][]) {
  const names = Object.keys(rows[0]![0]!);
  return names.map((name) => {
    const perBatch = rows.map((batch) => stats(batch.map((row) => row[name]!)));
    const medians = perBatch.map((s) => s.median);
    const p99s = perBatch.map((s) => s.p99);
    return {
      name,
      median: stats(medians).median,
      medianSpread: [Math.min(...medians), Math.max(...medians)] as const,
      p99: stats(p99s).median,
      p99Spread: [Math.min(...p99s), Math.max(...p99s)] as const,
    };
  });
}

const startFigures = summarise(batches.map((b) => b.start));
const memoryFigures = summarise(batches.map((b) => [b.memory]));
const ms = (x: number) => `${x.toFixed(1)} ms`;
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
const byName = new Map(startFigures.map((f) => [f.name, f]));
const get = (name: string) => byName.get(name)!;
const ratio = (name: string, base: string) => (get(name).median / get(base).median).toFixed(1);

const startTable = [
  '| Start | Median (batches) | p99 (batches) |',
  '|---|---|---|',
  ...startFigures
    .filter((f) => !/^\d|code cache/.test(f.name))
    .map(
      (f) =>
        `| ${f.name} | ${ms(f.median)} (${ms(f.medianSpread[0])}–${ms(f.medianSpread[1])}) | ${ms(f.p99)} (${ms(f.p99Spread[0])}–${ms(f.p99Spread[1])}) |`,
    ),
].join('\n');
const readyMedian = get('request → agent ready').median;
const stepTable = [
  '| Step of the real start | Median | Share of request → ready |',
  '|---|---|---|',
  ...startFigures
    .filter((f) => /^\d/.test(f.name))
    .map(
      (f) =>
        `| ${f.name.replace(/^\d+[ab]? /, '')} | ${ms(f.median)} | ${f.name.startsWith('11') ? '—' : `${((f.median / readyMedian) * 100).toFixed(0)} %`} |`,
    ),
].join('\n');
const memoryTable = [
  `| Idle cell, after ≥ ${IDLE_S} s | Median (batches) | Range |`,
  '|---|---|---|',
  ...memoryFigures.map(
    (f) =>
      `| ${f.name} | ${f.name === 'processes' ? f.median : mib(f.median)} | ${f.name === 'processes' ? `${f.medianSpread[0]}–${f.medianSpread[1]}` : `${mib(f.medianSpread[0])}–${mib(f.medianSpread[1])}`} |`,
  ),
].join('\n');
const cacheUsed = get('code cache used').median === 1;
const command = `npx tsx bench/cell-start.ts --runs ${RUNS} --repeat ${REPEAT} --warmup ${WARMUP} --idle ${IDLE_S}`;

console.log(
  JSON.stringify(
    { runs: RUNS, repeat: REPEAT, seconds, start: startFigures, idle: memoryFigures },
    null,
    1,
  ),
);
const tables = `${startTable}\n\n${stepTable}\n\n${memoryTable}`;
console.log(`\n${tables}\n`);
log(
  `request → ready: ${ratio('request → agent ready', 'bwrap + sh: request → up')}× the sh baseline, ` +
    `${ratio('request → agent ready', 'bwrap + node -e: request → up')}× the node -e baseline; ` +
    `code cache ${cacheUsed ? 'used' : 'NOT used'}; ${seconds.toFixed(0)} s`,
);

if (!values['no-docs']) {
  const section = `## Cell cold start

${RUNS} rounds × ${REPEAT} batches (after ${WARMUP} warm-ups) of one workspace's cell with the
local driver and the default limits (0.5 core with a 10 ms period, 512 MiB, 256 pids), its
volume image already present (a new workspace adds \`mkfs.ext4\`, about 10 ms). Each round
starts, through the same driver (cgroups, volume, bash → setpriv → bwrap with the cell's own
options, uid maps), a cell running \`sh -c 'printf x >&3'\` (the sandbox's floor: the
smallest command that can say it is up), one running a bare \`node -e\` (Node's floor in
the sandbox), the real cell up to its first shell prompt, and the agent without a sandbox.
Figures are the median over the batches of each batch's median (or p99), with the range
over the batches in brackets. During each batch another cell, started as the server starts
one (ready, the file watch and listing, an exec for the Python version), stays idle; after
at least ${IDLE_S} s its processes' memory is read.

Machine: ${machine()}. The run took ${seconds.toFixed(0)} s.
Command (as root): \`${command}\`.

${tables}

The real cell's \`request → agent ready\` is ${ratio('request → agent ready', 'bwrap + sh: request → up')}× the
sandbox's floor and ${ratio('request → agent ready', 'bwrap + node -e: request → up')}× a bare Node's in the same sandbox.
The steps' times come from the driver's reports (\`onStep\`) and from the agent's own clock
(its \`ready\` event carries when its process started and how long Node, loading its
code and its start-up took). PSS splits shared pages (the \`node\` binary, libraries)
between the processes that map them; RSS counts them in full for each. The memory cgroup
also charges the cell's tmpfs pages and kernel memory.
`;
  await writeSection('## Cell cold start', section);
}
