/**
 * Cell start with the local driver, cold and from the warm pool, and what an idle cell costs. Needs root, like the
 * cells themselves.
 *
 *   npx tsx bench/cell-start.ts [--runs 20] [--repeat 3] [--warmup 2] [--idle 30] [--no-docs]
 *
 * A batch of `runs` rounds, `repeat` times (the figures are medians of the batches'
 * medians, with their spread). Each round starts, in turn and through the same driver
 * (cgroups, volume, unshare → bash → setpriv → bwrap with the cell's own options, uid maps):
 * - the cell with a trivial command instead of the agent (`sh` writing one byte on the
 *   agent's descriptor: the smallest thing that can say it is up), the sandbox's floor;
 * - the cell with a bare Node (`node -e`, writing that byte), Node's floor in the sandbox;
 * - the real cell: start → agent ready → first shell prompt through a PTY;
 * - the warm start: the same, from a driver with a warm pool of one spare, waited for
 *   before each start: of a new workspace, and of one started before (whose volume moves
 *   to the spare's uid block);
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
import { formatIsolationReport } from '../packages/server/src/cells/isolation-report';
import type { StartStep } from '../packages/server/src/cells/local/local-driver';
import { defaultCellLimits } from '../packages/server/src/cells/limits';
import { BLOCKED, createTestHost, testSpec } from '../packages/server/src/cells/local/test-support';

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
/** Keeps one spare waiting, as a server does (CELL_WARM_POOL_SIZE): the warm start. */
const warmDriver = host.driver({
  ...driverOptions,
  warmPool: {
    size: 1,
    template: { limits: defaultCellLimits(), blockedCommands: BLOCKED, egress: undefined },
  },
});
const report = await driver.probe();
if (!report.usable) {
  log(formatIsolationReport(report));
  await host.dispose();
  process.exit(1);
}
await Promise.all([shDriver.probe(), nodeDriver.probe(), warmDriver.sweepOrphans(new Set())]);
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
  const tPrompt = await firstPrompt(agent);
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
    "agent's CPU time until ready": s.cpu,
    'code cache used': s.codeCache ? 1 : 0,
    // The steps, in order; cgroup and volume run in parallel.
    '1 crash left-overs check': m('leftovers') - t0,
    '2a cgroup creation': m('cgroup') - m('leftovers'),
    '2b volume image ready': m('volume') - m('leftovers'),
    '3 unshare → bash (mount point shared) → setpriv → bwrap, namespaces':
      m('namespaces') - spawned,
    '4 uid/gid maps written': m('mapped') - m('namespaces'),
    '4b volume mounted (from the maps, while the agent starts)': m('mounted') - m('mapped'),
    "5 bwrap's mounts → exec of the agent": s.at - m('mapped'),
    "6 Node's own start": s.node,
    '7 agent code loaded (code cache)': s.compiled - s.node,
    '8 agent modules run → ready sent': s.ready - s.compiled,
    '9 ready → the server': m('agent') - (s.at + s.ready),
    '10 ready → first prompt': tPrompt - tReady,
    'stop (not part of the start)': stopped - tStop,
  };
}

let warmStarts = 0;

/**
 * A start from the warm pool, once a spare waits: of a workspace started before (its
 * image exists and changes uid block) or of a new one (a new image).
 */
async function warmCell(workspace: 'new' | 'started before'): Promise<Row> {
  await warmDriver.pool!.filled();
  // A spare usually waits longer than its own start: its preloading is over by then.
  await sleep(300);
  const id = workspace === 'new' ? `bench-warm-${++warmStarts}` : 'bench-warm';
  marks = new Map();
  const t0 = now();
  const cell = await warmDriver.start(testSpec(id));
  if (!cell.fromPool) throw new Error('the warm start did not come from the pool');
  const agent = new AgentClient(cell.channel);
  await agent.waitReady(60_000);
  const tReady = now();
  const tPrompt = await firstPrompt(agent);
  agent.dispose();
  await cell.stop();
  if (workspace === 'new') await warmDriver.removeVolume(id);
  return {
    [`warm, ${workspace}: request → agent ready`]: tReady - t0,
    [`warm, ${workspace}: request → first shell prompt`]: tPrompt - t0,
    [`warm, ${workspace}: volume handed over`]: marks.get('handedOver')! - marks.get('leftovers')!,
  };
}

/** Opens a terminal; resolves with the time its first prompt arrived. */
async function firstPrompt(agent: AgentClient): Promise<number> {
  let output = '';
  const prompted = new Promise<void>((resolve) => {
    agent.on('pty.output', (_event, body) => {
      output += body.toString('utf8');
      if (output.includes('$ ')) resolve();
    });
  });
  await agent.request({ op: 'pty.open', ptyId: 'bench', cols: 80, rows: 24 });
  await prompted;
  return now();
}

async function bareAgent(): Promise<Row> {
  const t0 = now();
  const { child, channel } = spawnLocalAgent({ root: bareRoot, home: join(host.dir, 'bare-home') });
  const agent = new AgentClient(channel);
  try {
    const ready = await agent.waitReady(60_000);
    return {
      'agent without a sandbox: spawn → ready': now() - t0,
      'agent without a sandbox: CPU time until ready': ready.startup?.cpu ?? NaN,
    };
  } finally {
    agent.dispose();
    child.kill('SIGKILL');
  }
}

const field = (text: string, name: string) =>
  Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);

/**
 * Processes of the cell (its two cgroups, the user's and the agent's, in whichever
 * hierarchy has them) and their PSS in KiB.
 */
async function cellMemory(workspaceId: string): Promise<Row> {
  const base = '/sys/fs/cgroup';
  const pids: number[] = [];
  let usage = 0;
  for (const name of [workspaceId, `${workspaceId}.agent`]) {
    for (const dir of [
      join(base, 'memory', host.cgroupParent, name),
      join(base, host.cgroupParent, name),
    ]) {
      const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => undefined);
      if (procs === undefined) continue;
      pids.push(...procs.split('\n').filter(Boolean).map(Number));
      const bytes = await readFile(join(dir, 'memory.usage_in_bytes'), 'utf8')
        .catch(() => readFile(join(dir, 'memory.current'), 'utf8'))
        .catch(() => 'NaN');
      usage += Number(bytes) / 1024;
      break;
    }
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
  row["the cell's memory cgroups (charged pages)"] = usage;
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
    await warmCell('started before');
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
          ...(await warmCell('new')),
          ...(await warmCell('started before')),
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
        `| ${f.name.replace(/^\d+[ab]? /, '')} | ${ms(f.median)} | ${f.name.startsWith('10 ') ? '—' : `${((f.median / readyMedian) * 100).toFixed(0)} %`} |`,
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
  const median = (name: string) => get(name).median;
  const sandboxFloor = median('bwrap + sh: spawn → up');
  const nodeFloor = median('bwrap + node -e: spawn → up');
  const ours = median('spawn → agent up') - nodeFloor;
  const hostMounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').length - 1;
  const section = `## Cell cold start

${RUNS} rounds × ${REPEAT} batches (after ${WARMUP} warm-ups) of one workspace's cell with the
local driver and the default limits (0.5 core with a 10 ms period, 512 MiB, 256 pids), its
volume image already present (a new workspace adds \`mkfs.ext4\`, about 10 ms). Each round
starts, through the same driver (cgroups, volume, unshare → bash → setpriv → bwrap with the cell's own
options, uid maps), a cell running \`sh -c 'printf x >&3'\` (the sandbox's floor: the
smallest command that can say it is up), one running a bare \`node -e\` (Node's floor in
the sandbox), the real cell up to its first shell prompt, and the agent without a sandbox.
Figures are the median over the batches of each batch's median (or p99), with the range
over the batches in brackets. During each batch another cell, started as the server starts
one (ready, the file watch and listing, an exec for the Python version), stays idle; after
at least ${IDLE_S} s its processes' memory is read.

Machine: ${machine()}; ${hostMounts} mounts on the host. The run took ${seconds.toFixed(0)} s.
Command (as root): \`${command}\`.

${tables}

The steps' times come from the driver's reports (\`onStep\`) and from the agent's own clock:
its \`ready\` event carries when its process started, how long Node took to run its entry
point, loading its code and its own start-up, and the CPU time used. PSS splits shared
pages (the \`node\` binary, libraries) between the processes that map them; RSS counts them
in full for each. The memory cgroup also charges the cell's tmpfs pages and kernel memory.

### Where the time goes

The real cell's \`request → agent ready\` is ${ratio('request → agent ready', 'bwrap + sh: request → up')}× the sandbox's floor and
${ratio('request → agent ready', 'bwrap + node -e: request → up')}× a bare Node's in the same sandbox. From the spawn on, the sandbox alone
takes ${ms(sandboxFloor)}, Node's own start adds ${ms(nodeFloor - sandboxFloor)}, and the agent ${ms(ours)} more:

- **Before the sandbox**: the crash left-overs check is skipped unless the workspace's
  marker says a crash left something (it read every loop device and mount on the host);
  the cgroups (file writes from Node: the user's and the agent's) and the volume's image
  (a \`stat\`; a new image is made and prepared on the host once) in parallel.
- **The sandbox**: one process runs \`unshare --mount\` (a mount namespace of the cell's
  own), bash (joins the agent's cgroups, opens the user's, closes descriptors, mounts a
  small tmpfs on the volume's mount point and makes it shared: the one process it spawns),
  setpriv and bwrap, which makes the namespaces and waits for the server to write the
  uid/gid maps (under 2 ms), then builds the cell's ~60 mounts and runs the agent. Sealing
  the user namespace and loop-mounting the volume on the shared point (each an
  \`nsenter\`) overlap the agent's start; the start ends when all three are done. Until
  12-05 the wrapper mounted the volume before bwrap, on the start's critical path: in
  consecutive runs (12-05) request → ready was 63.8 ms that way and 61.0 ms now, the
  wrapper's step 18.3 → 15.5 ms. The agent has a cgroup of its own, with a
  whole core, so it starts at full speed while the user's processes have half a core.
- **Node's own start** (V8, Node's bootstrap) is the largest single step: a bare
  \`node -e\` costs as much in the cell.
- **The agent's code** now loads from V8's code cache; what remains before \`ready\` is
  running its modules: zod/mini building the agent protocol's schemas, Node's \`net\` and
  stream modules for the channel, reading the settings.
- **ready → prompt**: the terminal's modules load on first use, then bash's login start-up
  runs at half a core.

What changed, measured against the agent of commit 9624143 (its bundle built in a scratch
directory and started through the same driver with \`command\` set to its entry,
alternating with the current one, 20 starts each, load average about 13):
request → ready median 711 → 489 ms, p99 1368 → 746 ms; idle agent PSS after 30 s
22.2 and 19.7 → 12.9 and 12.9 MiB (two cells each). Unsandboxed, 30 alternating starts
each at load about 13: spawn → ready median 544 → 290 ms, CPU time until ready (all
threads, \`/proc/<pid>/task/*/schedstat\`) 135 → 68 ms, against 32 ms for a Node that only
writes one byte.

- **V8 code cache** (\`dist/main.cjs\` runs \`agent.cjs\` through \`vm.Script\` with the
  cache the build makes by starting the agent once): compiling the 1.1 MB ESM bundle was
  the largest item of a \`--cpu-prof\` profile of the start (51 of 245 profiled ms).
  A cache made right after compiling (without running) saved less than half as much:
  the functions the start runs must be in it.
- **Loaded on first use**: terminals (\`@xterm/headless\`, its serialise addon, node-pty),
  \`exec\`, \`proc\` and \`stats\`. The headless xterm's module alone took 22 profiled ms.
- **Only what the agent uses** (12-04): \`import { z } from 'zod'\` kept all of zod
  (every locale too) and one import from the protocol's index ran every API schema in
  each cell (since commit 0ad8044). Namespace imports of zod (\`import * as z\`, which a
  bundler can trim) and imports of the protocol's own modules (lint rules keep both),
  and a bundle without whitespace: 0.89 MB and a 493 KB code cache became 0.44 MB and
  262 KB. The previous run of this bench (on an EPYC VM, this one a Xeon) had request →
  ready 95.3 ms, the agent's modules 32.3 ms, its CPU until ready 65.0 ms and an idle
  agent's RSS 52.3 MiB. Both builds in one run, unsandboxed, 30 alternating starts each:
  spawn → ready 58.1 → 43.7 ms median, CPU until ready 61.1 → 44.0 ms.
- **zod/mini** (12-05): building the agent's request schemas with classic zod was the
  largest item of the agent's own code in a \`--cpu-prof\` profile of the start (7.7 of 45
  profiled ms); classic zod binds dozens of methods to every schema it makes. The agent's
  schemas (requests, settings, the exec launcher's report) now use zod/mini, with the
  English locale so that errors still say what is wrong, and a lint rule keeps classic zod
  out of the agent: the bundle 442 → 344 KB, its code cache 255 → 165 KB. Both builds in
  one run, unsandboxed, 30 alternating starts each: spawn → ready 45.1 → 38.9 ms median,
  CPU until ready 44.4 → 37.8 ms, the modules 18.3 → 12.7 ms. Sandboxed, two runs of this
  bench for each build, alternating (on the Xeon VM): request → ready 81.2 and 78.8 → 70.7
  and 73.5 ms, p99 94.0 and 94.9 → 93.0 and 82.8 ms; the agent's modules 20.4 and 19.9 →
  13.9 and 14.0 ms; its CPU until ready 48.1 and 47.1 → 39.6 and 40.1 ms; the first prompt
  132.6 and 132.0 → 119.6 and 124.3 ms; an idle agent's PSS 15.1 → 14.1 MiB.
- **Tried and left out**: a Node start-up snapshot (\`--snapshot-blob\` with the agent's
  modules already run) used less CPU (48 vs 63 ms) but its heap stays: idle PSS 19.6 vs
  11.9 MiB, and a blob from another Node binary is a fatal error, not a fallback. V8 flags
  for a smaller idle heap (\`--max-semi-space-size=1\`, \`--optimize-for-size\`,
  \`--v8-pool-size=0\`, \`--single-threaded-gc\`, \`--lite-mode\`, \`--jitless\`) gave no
  lasting PSS gain once V8's memory reducer had run (about 20 s after the start), and any
  V8 flag invalidates the code cache unless the build uses it too;
  \`--min-semi-space-size=16\` made the start slower. Tried again on 12-04, with the
  build using the flag: \`--max-semi-space-size=1\` left 9.95 MiB of PSS per idle cell at
  200 cells against 9.44 MiB without (\`bench/idle-cells.ts --cells 200\`): objects
  promoted early stay in the old generation.

### The warm pool

Issue 17 asks for a cold start of p50 ≤ 60 ms and p99 ≤ 100 ms, and a start from a pool
of p50 ≤ 20 ms. p50 ≤ 60 ms from request to ready is out of reach for a cold start on this
design: a bare Node in the cell is already ${ms(median('bwrap + node -e: request → up'))} from the request here, of which
${ms(nodeFloor - sandboxFloor)} is Node's own start. So the local driver keeps a **warm pool**
(\`CELL_WARM_POOL_SIZE\`, 2 by default, the setting the Kubernetes driver's pool has):
sandboxes started with the server's settings before any workspace is known, each with its
agent ready and its terminals loaded (\`WORKCELL_PRELOAD_TERMINALS\`). A start takes one
and hands it over (\`cells/local/warm-pool.ts\`, \`handOver\` in the driver):

- **/app**: a spare's launch wrapper mounts a small tmpfs on its empty mount point and
  makes it shared (\`mount -t tmpfs --make-shared\`) before bwrap, whose namespace is a
  slave of the spare's own (a cold start does the same since 12-05, and mounts the volume
  there while the agent starts). A tmpfs, not the point bound onto itself as until 12-05: a
  bind mount's source, a host path, showed in the cell's \`/proc/self/mountinfo\`.
  The hand-over mounts the workspace's volume on that point in the spare's
  namespace (\`nsenter --mount\`), and it appears at /app in the cell. Nothing in the
  agent opens /app before a request, and every path through /app resolves to the volume
  from then on. Each spare also has a blank volume mounted there already, made and given
  to its user while it waited: a new workspace takes it by a rename of the image file (a
  loop device holds the file, not its name), so its first start mounts nothing; a
  workspace with an image has its own mounted over the blank one, which stays beneath
  until the cell stops (until 12-05 the blank one was unmounted first, on the hand-over's
  path).
- **uids**: a uid map cannot change once written, so the workspace takes over the spare's
  uid block and its former block goes back to the registry. A volume last used under
  another block has its files given to the new one (one \`lchown\` per file, through
  \`/proc/<pid>/root\`), a cost that grows with the workspace's files. Idmapped mounts
  would remove it (\`mount_setattr\` with \`MOUNT_ATTR_IDMAP\`; util-linux 2.38 here has
  no \`X-mount.idmap\`, so it needs a helper beyond Node).
- **Settings**: a spare serves only a start whose limits, blocked commands and egress are
  the pool's (the server's configuration); its cgroups were made with those limits. Any
  other start is cold.
- **Safety**: a spare runs no user code before its hand-over and never returns to the
  pool: its sandbox, cgroups and directory go with the cell. The pool refills one sandbox
  at a time, and only while no start is in flight. A crashed server's spares are swept at
  the next server's start (a spare is named after its server's pid).
- **Cost**: each waiting spare is an idle cell (the memory table above) with its terminals
  loaded.

Measured above, each warm start after its spare had waited at least 300 ms: request →
agent ready ${ms(median('warm, new: request → agent ready'))} for a new workspace (p99 ${ms(get('warm, new: request → agent ready').p99)}) and ${ms(median('warm, started before: request → agent ready'))} for one started
before (p99 ${ms(get('warm, started before: request → agent ready').p99)}), against ${ms(readyMedian)} cold; the first shell prompt ${ms(median('warm, new: request → first shell prompt'))} and
${ms(median('warm, started before: request → first shell prompt'))}, against ${ms(median('request → first shell prompt'))} cold. The hand-over itself (left-overs check to
volume adopted) is ${ms(median('warm, new: volume handed over'))} and ${ms(median('warm, started before: volume handed over'))}: the uid block moved in the registry and
the blank image renamed, or the workspace's volume mounted over the blank one through
\`nsenter\` and its files given to the new uid block. From ready to the prompt, the time is
bash's login start-up at half a core.

For a workspace started before, the hand-over is that one \`nsenter\`. On 12-04 it took
24.2–24.4 ms median in a spare (timed in the driver, two batches of 11) against 11 ms for
the same commands in a bare mount namespace. Traced with \`strace -f\` (12-05), two
things the spare's namespace had nothing to do with took most of it:
- **bash ran root's \`~/.bashrc\`**: Node gives a child's stdin as a socket pair, and bash
  takes a socket on stdin for a remote shell (\`sshd\`) and runs \`~/.bashrc\` even for
  \`bash -c\`. Here that file starts \`pyenv\`, two subshells. Host tools now get /dev/null
  for input (\`runHost\`), which also keeps the host's shell set-up out of a cell's
  namespace.
- **\`mount\` probed the image for its type**: libblkid read the image in about 40
  places (4 × 256 KiB among them) through the new loop device before the mount. The type
  is now given (\`-t ext4\`), for a cold start's mount too.

With both (unsandboxed driver, 7 hand-overs): 16.1 → 11.9 ms median. The blank volume's
unmount (an ext4 filesystem: about 4 ms by hand here) then went: the workspace's volume is
mounted over the blank one, which the cell's namespace lets go when the cell stops.
Alternating the two versions, two runs of this bench each (12-05, Xeon VM): the
hand-over 20.4 and 20.8 → 15.9 and 15.7 ms median, request → agent ready 21.6 and 22.0 →
17.1 and 17.1 ms (p99 25.4 and 27.2 → 20.5 and 21.2 ms), the first prompt 59.2 and 60.8 →
53.5 and 53.7 ms; the stop unchanged (22.1 and 22.5 → 22.1 and 22.7 ms). Then the bash
between \`nsenter\` and \`mount\` went (\`mountInSandbox\` runs the repair, e2fsck once, itself), in
the same way: the hand-over 16.1 and 18.1 → 14.5 and 15.3 ms, request → agent ready 17.2
and 19.4 → 15.6 and 16.5 ms. What is left is \`nsenter\` and \`mount -o loop\` (the loop
device's attach and the ext4 mount), and the ownership change when the uid block moved.

Loop device nodes stay once made, attached or not, and they cost: after the 1,000-user
bench (12-05) left 1,000 of them, a stop took 62.9 ms instead of 8.5 ms (releasing a
volume scans every loop device for its image) and this hand-over 19.5 ms instead of
13.5 ms; removing the idle nodes (\`LOOP_CTL_REMOVE\`) brought both back. The driver
does not remove a node when its cell stops; \`losetup\` here cannot.

Every running cell's volume used to be a loop mount in the host's mount namespace, and
every new sandbox copies the mount table it starts from: with 1,000 extra mounts,
\`bwrap … /bin/true\` went from 9–13 ms to 30–63 ms median. Each volume is now mounted
in the cell's own mount namespace (the launch wrapper runs \`unshare --mount\` before
bash, setpriv and bwrap), so the host's table stays the same size and the mount goes
with the cell ([Cold start among running cells](#cold-start-among-running-cells)).
`;
  await writeSection('## Cell cold start', section);
}
