/**
 * Cold start among running cells: does a cell start as fast with 1,000 others running as
 * alone? Needs root, like the cells themselves.
 *
 *   npx tsx bench/crowded-start.ts [--crowds 1,100,1000] [--runs 20] [--repeat 3] [--no-docs]
 *
 * The number of idle cells (each started as far as its agent's `ready`) grows to each
 * crowd in turn; at each, `repeat` batches of `runs` starts, interleaved: the sandbox's
 * floor (bwrap running `sh` that writes one byte) and the real cell (request → agent
 * ready). Reported per crowd: the median over the batches of each batch's median and p99,
 * the range of the batch medians, and the host's mount count, which every new sandbox
 * copies.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { machine, stats, writeSection } from './report';
import { AgentClient } from '../packages/server/src/cells/agent-client';
import type { RunningCell } from '../packages/server/src/cells/driver';
import { formatIsolationReport } from '../packages/server/src/cells/isolation-report';
import { createTestHost, testSpec } from '../packages/server/src/cells/local/test-support';

const { values } = parseArgs({
  options: {
    crowds: { type: 'string', default: '1,100,1000' },
    runs: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '3' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const CROWDS = values.crowds.split(',').map(Number);
const RUNS = Number(values.runs);
const REPEAT = Number(values.repeat);
/** Idle cells started at once while the crowd grows. */
const RAMP_CONCURRENCY = 4;
const log = (text: string) => process.stderr.write(`${text}\n`);

const host = await createTestHost('crowd');
let aborted = false;
process.once('SIGINT', () => {
  aborted = true;
  log('interrupted: stopping the cells');
});
const driver = host.driver();
const shDriver = host.driver({ command: () => ['/bin/sh', '-c', 'printf x >&3; exec sleep 600'] });
const report = await driver.probe();
if (!report.usable) {
  log(formatIsolationReport(report));
  await host.dispose();
  process.exit(1);
}
await shDriver.probe();

const crowd: { cell: RunningCell; agent: AgentClient }[] = [];
async function growCrowd(size: number): Promise<void> {
  let next = crowd.length;
  const worker = async () => {
    while (next < size && !aborted) {
      const cell = await driver.start(testSpec(`idle-${next++}`));
      const agent = new AgentClient(cell.channel);
      await agent.waitReady(120_000);
      crowd.push({ cell, agent });
      if (crowd.length % 50 === 0) log(`${crowd.length}/${size} idle cells`);
    }
  };
  await Promise.all(Array.from({ length: RAMP_CONCURRENCY }, worker));
  process.stderr.write('\n');
}

/** request → the first byte of whatever the driver runs (the agent's ready frame or sh's byte). */
async function timeStart(which: typeof driver, workspaceId: string, ready: boolean) {
  const t0 = performance.now();
  const cell = await which.start(testSpec(workspaceId));
  const agent = new AgentClient(cell.channel);
  if (ready) await agent.waitReady(60_000);
  const elapsed = performance.now() - t0;
  agent.dispose();
  await cell.stop();
  return elapsed;
}

const mountCount = async () =>
  (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').length - 1;

interface CrowdFigures {
  crowd: number;
  mounts: number;
  load: string;
  floor: { median: number; p99: number; spread: [number, number] };
  ready: { median: number; p99: number; spread: [number, number] };
}
const results: CrowdFigures[] = [];
const started = performance.now();
try {
  for (const size of CROWDS) {
    await growCrowd(size);
    if (aborted) break;
    const batches = { floor: [] as number[][], ready: [] as number[][] };
    await timeStart(driver, 'measured', true); // warm-up at this crowd
    for (let b = 0; b < REPEAT; b++) {
      const floor: number[] = [];
      const ready: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        floor.push(await timeStart(shDriver, 'measured', false));
        ready.push(await timeStart(driver, 'measured', true));
      }
      batches.floor.push(floor);
      batches.ready.push(ready);
      log(`crowd ${size}: batch ${b + 1}/${REPEAT}`);
    }
    const summary = (perBatch: number[][]) => {
      const each = perBatch.map((samples) => stats(samples));
      const medians = each.map((s) => s.median);
      return {
        median: stats(medians).median,
        p99: stats(each.map((s) => s.p99)).median,
        spread: [Math.min(...medians), Math.max(...medians)] as [number, number],
      };
    };
    const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
    const figures = {
      crowd: size,
      mounts: await mountCount(),
      load,
      floor: summary(batches.floor),
      ready: summary(batches.ready),
    };
    results.push(figures);
    log(JSON.stringify(figures));
  }
} finally {
  // A few at a time: a thousand stops at once starve each other of the CPU.
  let stopped = 0;
  const stopper = async () => {
    for (let entry = crowd.pop(); entry; entry = crowd.pop()) {
      entry.agent.dispose();
      await entry.cell.stop().catch((error: unknown) => log(`stopping a cell: ${String(error)}`));
      process.stderr.write(`\r${++stopped} cells stopped`);
    }
  };
  await Promise.all(Array.from({ length: RAMP_CONCURRENCY }, stopper));
  await host.dispose();
}
if (aborted) process.exit(130);
const seconds = (performance.now() - started) / 1000;

const ms = (x: number) => `${x.toFixed(1)} ms`;
const cells = (f: CrowdFigures['ready']) =>
  `${ms(f.median)} (${ms(f.spread[0])}–${ms(f.spread[1])}) | ${ms(f.p99)}`;
const table = [
  '| Cells running | Host mounts | bwrap + sh: median (batches) | p99 | request → agent ready: median (batches) | p99 | Load average |',
  '|---|---|---|---|---|---|---|',
  ...results.map(
    (r) => `| ${r.crowd} | ${r.mounts} | ${cells(r.floor)} | ${cells(r.ready)} | ${r.load} |`,
  ),
].join('\n');
const command = `npx tsx bench/crowded-start.ts --crowds ${CROWDS.join(',')} --runs ${RUNS} --repeat ${REPEAT}`;
console.log(JSON.stringify({ command, seconds, results }, null, 1));
console.log(`\n${table}\n`);

if (!values['no-docs']) {
  await writeSection(
    '## Cold start among running cells',
    `## Cold start among running cells

A cell's cold start (request → agent ready, the same start as above) and the sandbox's
floor (bwrap running \`sh\` that writes one byte) while 1, 100 and 1,000 idle cells run,
each started as far as its agent's \`ready\`. ${RUNS} interleaved starts of each × ${REPEAT}
batches per crowd; the median over the batches of each batch's median and p99, with the
range of the batch medians.

Machine: ${machine()}. The run took ${seconds.toFixed(0)} s.
Command (as root): \`${command}\`.

${table}
`,
  );
}
