/**
 * Idle cells: how much host memory a started cell holds while nothing happens in it, and
 * whether the server stays responsive (and idle) with many of them. Needs root.
 *
 *   npx tsx bench/idle-cells.ts [--cells 1000] [--min-available-gib 6] [--max-minutes 10]
 *                               [--parallel 2] [--idle-seconds 35] [--no-docs]
 *
 * Starts cells one workspace after another (POST …/start; no terminal, nothing run) on a
 * server in its own process on PostgreSQL, and stops ramping at --cells, when the host's
 * MemAvailable would fall under --min-available-gib, or at --max-minutes. Meanwhile a
 * prober asks GET /api/health and a file listing once a second. At checkpoints (doubling
 * counts) it holds still for --idle-seconds (longer than the cell reaper's 30 s tick) and
 * measures the server's CPU and the cells' CPU while idle, MemAvailable (from
 * /proc/meminfo) and the PSS of every process under the server (the cells: bwrap, agent).
 * Every cell is stopped at the end, also on failure or Ctrl+C.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { machine, stats, writeSection } from './report';
import {
  atExit,
  log,
  runCleanups,
  scratchDatabase,
  startServerProcess,
  type ServerProcess,
} from './server-process';
import type { LiveUser } from '../packages/server/src/test-support/live-server';

const { values } = parseArgs({
  options: {
    cells: { type: 'string', default: '1000' },
    'min-available-gib': { type: 'string', default: '6' },
    'max-minutes': { type: 'string', default: '10' },
    parallel: { type: 'string', default: '2' },
    'idle-seconds': { type: 'string', default: '35' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const TARGET = Number(values.cells);
const MIN_AVAILABLE = Number(values['min-available-gib']) * 2 ** 30;
const DEADLINE = Date.now() + Number(values['max-minutes']) * 60_000;
const PARALLEL = Number(values.parallel);
const IDLE_S = Number(values['idle-seconds']);
/** Users the workspaces are spread over (the per-user cap is raised to match). */
const USERS = 10;
const MAX_FAILED_STARTS = 5;
const GiB = 2 ** 30;
const MiB = 2 ** 20;

const memAvailable = () =>
  Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;

/** Every process under `root` (not itself): the cells' bwrap, agents and their children. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

const readOr = (path: string, fallback = '') => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

/** Proportional set size of the processes, bytes (shared pages split among their users). */
const pss = (pids: number[]) =>
  pids.reduce(
    (sum, pid) =>
      sum + Number(/^Pss:\s+(\d+) kB/m.exec(readOr(`/proc/${pid}/smaps_rollup`))?.[1] ?? 0) * 1024,
    0,
  );

/** CPU seconds (user + system) the processes have used. */
const cpuOf = (pids: number[]) =>
  pids.reduce((sum, pid) => {
    const stat = readOr(`/proc/${pid}/stat`);
    if (!stat) return sum;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100;
  }, 0);

/** GET /api/health and a file listing once a second; latencies kept per phase. */
class Prober {
  samples: { health: number; list: number; failed: boolean }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: ServerProcess,
    private readonly user: LiveUser,
    private readonly workspace: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.probe(), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  take() {
    const taken = this.samples;
    this.samples = [];
    return taken;
  }

  private async probe(): Promise<void> {
    const t0 = performance.now();
    const health = await fetch(`${this.server.baseUrl}/api/health`).catch(() => undefined);
    await health?.arrayBuffer();
    const t1 = performance.now();
    const list = await this.server
      .api(this.user, 'GET', `/api/workspace/${this.workspace}/files`)
      .catch(() => undefined);
    this.samples.push({
      health: t1 - t0,
      list: performance.now() - t1,
      failed: health?.status !== 200 || list?.status !== 200,
    });
  }
}

interface Checkpoint {
  cells: number;
  memAvailableDropMiB: number;
  cellPssMiB: number;
  serverRssMiB: number;
  /** While idle: the server's CPU, and all cell processes' together, in % of one core. */
  serverCpuIdle: number;
  cellsCpuIdle: number;
  processes: number;
  probeHealthP99: number;
  probeListP99: number;
  probeListMax: number;
  probeFailures: number;
}

try {
  const databaseUrl = await scratchDatabase('idle');
  const server = await startServerProcess('bench-idle', {
    env: {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      CELL_MAX_TOTAL: String(TARGET + 10),
      CELL_MAX_PER_USER: String(Math.ceil(TARGET / USERS) + 10),
      // No reaping during the run: idle is what is measured.
      CELL_IDLE_MINUTES: '600',
      CELL_MAX_LIFETIME_MINUTES: '600',
    },
  });
  const users = await Promise.all(Array.from({ length: USERS }, () => server.registerUser('idle')));
  const probeUser = users[0]!;
  const probeWorkspace = await server.createWorkspace(probeUser, 'probe');
  const prober = new Prober(server, probeUser, probeWorkspace);
  atExit(async () => prober.stop());

  const baseline = { mem: memAvailable(), serverRss: server.rssBytes() };
  log(`MemAvailable ${(baseline.mem / GiB).toFixed(1)} GiB at the start`);
  prober.start();

  const startMs: number[] = [];
  const rampProbes: ReturnType<Prober['take']> = [];
  const checkpoints: Checkpoint[] = [];
  let started = 0;
  let stopReason = 'the target';
  let perCell = 0;

  const checkpoint = async () => {
    rampProbes.push(...prober.take());
    log(`${started} cells: holding still for ${IDLE_S} s…`);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // let the last start settle
    prober.take();
    const pids0 = descendants(server.pid);
    const server0 = server.cpuSeconds();
    const cells0 = cpuOf(pids0);
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
    const seconds = (performance.now() - t0) / 1000;
    const pids = descendants(server.pid);
    const probes = prober.take();
    const point: Checkpoint = {
      cells: started,
      memAvailableDropMiB: (baseline.mem - memAvailable()) / MiB,
      cellPssMiB: pss(pids) / MiB,
      serverRssMiB: server.rssBytes() / MiB,
      serverCpuIdle: ((server.cpuSeconds() - server0) / seconds) * 100,
      cellsCpuIdle: ((cpuOf(pids.filter((pid) => pids0.includes(pid))) - cells0) / seconds) * 100,
      processes: pids.length,
      probeHealthP99: stats(probes.map((p) => p.health)).p99,
      probeListP99: stats(probes.map((p) => p.list)).p99,
      probeListMax: Math.max(...probes.map((p) => p.list)),
      probeFailures: probes.filter((p) => p.failed).length,
    };
    checkpoints.push(point);
    perCell = point.memAvailableDropMiB / Math.max(1, started);
    log(JSON.stringify(point));
  };

  let next = 50;
  let attempts = 0;
  const failedStarts: string[] = [];
  const startOne = async (i: number) => {
    const user = users[i % USERS]!;
    const workspace = await server.createWorkspace(user, `idle ${i}`);
    const t0 = performance.now();
    const { status, bytes } = await server.api(user, 'POST', `/api/workspace/${workspace}/start`);
    if (status !== 200) throw new Error(`starting cell ${i}: ${status} ${bytes.toString()}`);
    startMs.push(performance.now() - t0);
  };
  try {
    while (started < TARGET) {
      if (Date.now() > DEADLINE) {
        stopReason = `stopped at the time limit (${values['max-minutes']} min)`;
        break;
      }
      // Room for the next batch by the memory per cell measured so far (2× for safety).
      const need = PARALLEL * Math.max(perCell, 30) * MiB * 2;
      if (memAvailable() - need < MIN_AVAILABLE) {
        stopReason = `stopped with MemAvailable near the floor of ${values['min-available-gib']} GiB`;
        break;
      }
      const batch = Math.min(PARALLEL, TARGET - started);
      const outcomes = await Promise.allSettled(
        Array.from({ length: batch }, (_, k) => startOne(attempts + k)),
      );
      attempts += batch;
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') started += 1;
        else failedStarts.push(String(outcome.reason));
      }
      // A start can fail on a busy host (the agent's start timing out); many cannot.
      if (failedStarts.length > MAX_FAILED_STARTS) throw new Error(failedStarts.at(-1));
      if (attempts % 10 === 0) log(`${started} cells (${failedStarts.length} failed starts)`);
      if (started >= next) {
        await checkpoint();
        next *= 2;
      }
    }
  } catch (error) {
    stopReason = `stopped after ${failedStarts.length} failed starts, the last: ${String(error)}`;
    log(stopReason);
  }
  if (checkpoints.at(-1)?.cells !== started && started > 0) await checkpoint();
  prober.stop();
  const last = checkpoints.at(-1);
  const t0 = performance.now();
  await server.stop();
  const stopAllS = (performance.now() - t0) / 1000;

  const start = stats(startMs);
  const ramp = {
    health: stats(rampProbes.map((p) => p.health)),
    list: stats(rampProbes.map((p) => p.list)),
    failures: rampProbes.filter((p) => p.failed).length,
  };
  const result = {
    target: TARGET,
    reached: started,
    stopReason,
    failedStarts,
    start,
    ramp,
    checkpoints,
    stopAllS,
    perCellMiB: last && {
      memAvailable: last.memAvailableDropMiB / last.cells,
      pss: last.cellPssMiB / last.cells,
      serverRss: (last.serverRssMiB - baseline.serverRss / MiB) / last.cells,
    },
  };
  console.log(JSON.stringify(result, null, 2));

  const f = (x: number, digits = 1) => x.toFixed(digits);
  const table = [
    '| Cells | MemAvailable drop | per cell | PSS of the cells | per cell | Server RSS | Processes | Server CPU idle | Cells CPU idle | Listing p99 (max) idle | Probe failures |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...checkpoints.map(
      (c) =>
        `| ${c.cells} | ${f(c.memAvailableDropMiB / 1024, 2)} GiB | ${f(c.memAvailableDropMiB / c.cells)} MiB | ${f(c.cellPssMiB / 1024, 2)} GiB | ${f(c.cellPssMiB / c.cells)} MiB ` +
        `| ${f(c.serverRssMiB, 0)} MiB | ${c.processes} | ${f(c.serverCpuIdle)}% | ${f(c.cellsCpuIdle)}% | ${f(c.probeListP99)} ms (${f(c.probeListMax)} ms) | ${c.probeFailures} |`,
    ),
  ].join('\n');
  const extrapolated = result.perCellMiB
    ? `${started >= 1000 ? 'At' : 'Extrapolated to'} 1,000 idle cells: about ${f((result.perCellMiB.memAvailable * 1000) / 1024)} GiB of host memory (MemAvailable) and ${f((result.perCellMiB.pss * 1000) / 1024)} GiB of PSS.`
    : '';
  const command = `npx tsx bench/idle-cells.ts --cells ${TARGET} --min-available-gib ${values['min-available-gib']} --max-minutes ${values['max-minutes']} --parallel ${PARALLEL} --idle-seconds ${IDLE_S}`;
  const section = `## Idle cells

Cells started one workspace after another (${PARALLEL} at a time, \`POST …/start\`, no
terminal, nothing run) on a server in its own process on PostgreSQL, while a prober asks
\`GET /api/health\` and a file listing once a second. At each checkpoint the run holds still
for ${IDLE_S} s (longer than the cell reaper's 30 s tick) and measures, over that time, the
server's CPU and all cell processes' CPU (% of one core), MemAvailable's drop since the
start (\`/proc/meminfo\`; other work on the machine moves it too) and the PSS of every
process under the server (bwrap, the agents and their children).

Machine: ${machine()}; ${f(baseline.mem / GiB)} GiB available at the start.
Command: \`${command}\` (as root). One run: ${started} cells (${stopReason})
(${failedStarts.length} starts failed on the way). Starting took
${f(start.median, 0)} ms (median; p99 ${f(start.p99, 0)} ms) a cell; stopping all of them with the
server ${f(stopAllS)} s. While ramping, the listing answered in ${f(ramp.list.median)} ms median,
${f(ramp.list.p99)} ms p99 (${ramp.failures} failed probes).

${table}

${extrapolated}

**Where the memory goes.** A cell idles as three processes: two \`bwrap\` (the sandbox's
init and its monitor, a few hundred KiB of PSS together) and the agent, a Node process,
which is nearly all of it: V8's heap and Node's runtime, private to each cell (PSS is close
to RSS less the shared code of the \`node\` binary). One agent's PSS moves between about
11 and 21 MiB with its V8 heap (seen on agents of this and other servers on the host). The kernel's share
(cgroups, the loop-mounted volume, mounts, page tables) is the part of the MemAvailable drop
that PSS does not show; other work on the machine moves MemAvailable too, so the PSS figure
is the steadier one. The server's own memory hardly grows with cells (a few KiB each).

**Idle CPU.** With nothing happening, the server wakes every 30 s for the cell reaper,
which asks each cell's cgroup for limit events and writes, in one statement, the last
activity of the cells used since its previous tick (none, when all are idle); each agent
keeps a few timers of its own. Together a few percent of one core at the largest count
here, growing with the number of cells.

**Reaching 1,000.** The ramp stops at the target, the time limit or a floor of free
memory, whichever comes first: cells start a few at a time (a start is mostly the agent's
Node start-up, which competes for the same 2 cores) and this 24 GiB host may be shared with
other work. By the PSS per cell, 1,000 idle cells need about ${result.perCellMiB ? f((result.perCellMiB.pss * 1000) / 1024) : '?'} GiB for the cells alone. The
server is not what limits that: its memory and idle CPU barely grow and it kept answering
(no failed probe). For more cells per host the idle agent's heap is the cost to cut: a
lighter runtime for the agent, or one process serving several cells.

`;
  console.log(`\n${section}`);
  if (!values['no-docs']) await writeSection('## Idle cells', section);
} finally {
  await runCleanups();
}
