/**
 * How soon the workspace page is usable, in Debian's Chromium, served by a listening
 * server (PGlite, real cells) on loopback. Needs root, like the cells, and a built app
 * (npm run build -w @workcell/web).
 *
 *   npx tsx bench/web-load.ts [--runs 5] [--dist <dir>] [--baseline <dir> [--baseline-name <text>]]
 *                             [--profile <dir>] [--no-docs]
 *
 * Each run opens a fresh browser profile and visits the workspace three times: the first
 * visit has nothing cached; the second finds the scripts in the HTTP cache (Chromium then
 * stores V8's compiled code beside them); the third also reuses that code. The cell is
 * running before the first measured visit (its start is the cell benchmark's business).
 * From navigation start, in the page:
 * - tree: the file tree lists the workspace's files;
 * - prompt: the terminal shows the shell's prompt (what is typed now reaches the shell);
 * - interactive: both, the later of the two;
 * - editor: Monaco shows the open file's text and takes input.
 * Also the JavaScript of the build per chunk (raw, gzip, brotli) and which chunks a visit
 * loaded before it was interactive and in all.
 * --dist measures a build elsewhere than packages/web/dist. --baseline serves another build (e.g. of an earlier commit) from a second server and
 * measures it interleaved with this one, visit for visit.
 * --profile writes a Chromium trace and a V8 CPU profile of one first and one repeat visit
 * (open them in DevTools' Performance panel) and prints where the main thread's time went.
 * Prints JSON and a table, and writes the "## Web app" section of docs/performance.md.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

import { chromium, type BrowserContext } from '@playwright/test';
import { SIGNED_IN_COOKIE } from '@workcell/protocol';

import {
  startLiveServer,
  type LiveServer,
  type LiveUser,
} from '../packages/server/src/test-support/live-server';
import { chromiumLaunchOptions } from '../packages/web/e2e/chromium';
import { machine, stats, writeSection } from './report';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    dist: { type: 'string' },
    baseline: { type: 'string' },
    /** What the baseline is, for the docs (e.g. "the build of commit 9624143"). */
    'baseline-name': { type: 'string', default: 'another build' },
    profile: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const VISITS = ['first', 'second', 'repeat'] as const;
type Visit = (typeof VISITS)[number];
const MARKS = ['tree', 'prompt', 'interactive', 'editor'] as const;
type Mark = (typeof MARKS)[number];
const VIEWPORT = { width: 1280, height: 800 };
const distDir = resolve(values.dist ?? join(import.meta.dirname, '../packages/web/dist'));

/** What a chunk is for, from the build's manifest. */
type Role = 'interactive' | 'editor' | 'on demand';

interface Chunk {
  file: string;
  role: Role;
  raw: number;
  gzip: number;
  brotli: number;
}

type Manifest = Record<string, { file: string; imports?: string[] }>;

/** The chunks of `sources` and everything they import statically. */
function closure(manifest: Manifest, sources: string[]) {
  const files = new Set<string>();
  const add = (source: string) => {
    const entry = manifest[source];
    if (!entry || files.has(basename(entry.file))) return;
    files.add(basename(entry.file));
    entry.imports?.forEach(add);
  };
  sources.forEach(add);
  return files;
}

function chunksOf(dist: string): Chunk[] {
  const assets = join(dist, 'assets');
  const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8')) as Manifest;
  const interactive = closure(manifest, ['index.html', 'src/pages/WorkspacePage.tsx']);
  const editor = closure(manifest, ['src/pages/WorkspaceEditor.tsx']);
  return readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .map((file): Chunk => {
      const data = readFileSync(join(assets, file));
      return {
        file,
        role: interactive.has(file) ? 'interactive' : editor.has(file) ? 'editor' : 'on demand',
        raw: data.length,
        gzip: gzipSync(data, { level: 9 }).length,
        brotli: brotliCompressSync(data, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
        }).length,
      };
    })
    .sort((a, b) => b.raw - a.raw);
}

interface Load extends Record<Mark, number> {
  /** Script files the visit fetched. */
  scripts: string[];
  transferredJs: number;
}

/**
 * Records, from navigation start, when each mark's condition first holds: checked at every
 * DOM change, so a busy main thread delays the mark as it delays the user.
 */
function installMarks() {
  // No named inner functions here or in the page.evaluate callbacks below: tsx wraps those
  // in a helper that does not exist in the page.
  const marks: Partial<Record<string, number>> = {};
  (window as unknown as { __marks: typeof marks }).__marks = marks;
  const observer = new MutationObserver(() => {
    const now = performance.now();
    if (marks.tree === undefined && document.querySelector('[role="tree"] [role="treeitem"]'))
      marks.tree = now;
    if (
      marks.prompt === undefined &&
      document.querySelector('.xterm-rows')?.textContent?.includes('$')
    )
      marks.prompt = now;
    if (
      marks.editor === undefined &&
      document.querySelector('.monaco-editor .view-lines')?.textContent?.includes('import')
    )
      marks.editor = now;
    if (marks.tree !== undefined && marks.prompt !== undefined && marks.interactive === undefined)
      marks.interactive = now;
    if (marks.interactive !== undefined && marks.editor !== undefined) observer.disconnect();
  });
  document.addEventListener('DOMContentLoaded', () =>
    observer.observe(document.body, { childList: true, subtree: true, characterData: true }),
  );
}

async function newProfile(baseUrl: string, user: LiveUser) {
  const dir = mkdtempSync(join(tmpdir(), 'workcell-web-load-'));
  const context = await chromium.launchPersistentContext(dir, {
    ...chromiumLaunchOptions,
    headless: true,
    viewport: VIEWPORT,
  });
  const [name, value] = user.cookie.split(';')[0]!.split('=');
  await context.addCookies([
    { name: name!, value: value!, url: baseUrl },
    // The app asks who is signed in only when the server's hint says a session exists.
    { name: SIGNED_IN_COOKIE, value: '1', url: baseUrl },
  ]);
  await context.addInitScript(installMarks);
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One visit in a new tab; with `profile`, a trace and a CPU profile under that name. */
async function visit(context: BrowserContext, url: string, profile?: string): Promise<Load> {
  const page = await context.newPage();
  const cdp = profile ? await context.newCDPSession(page) : undefined;
  try {
    if (cdp && profile) {
      await context.browser()?.startTracing(page, {
        path: `${profile}.trace.json`,
        categories: [
          'devtools.timeline',
          'disabled-by-default-devtools.timeline',
          'v8',
          'v8.execute',
          'disabled-by-default-v8.compile',
          'blink.user_timing',
          'loading',
        ],
      });
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    await page.goto(url);
    await page.waitForFunction(
      () => {
        const marks = (window as unknown as { __marks?: Record<string, number> }).__marks;
        return marks?.interactive !== undefined && marks.editor !== undefined;
      },
      undefined,
      { timeout: 60_000, polling: 100 },
    );
    if (cdp && profile) {
      const { profile: cpuProfile } = await cdp.send('Profiler.stop');
      writeFileSync(`${profile}.cpuprofile`, JSON.stringify(cpuProfile));
      await context.browser()?.stopTracing();
    }
    return await page.evaluate(() => {
      const marks = (
        window as unknown as {
          __marks: Record<'tree' | 'prompt' | 'interactive' | 'editor', number>;
        }
      ).__marks;
      const scripts = performance
        .getEntriesByType('resource')
        .filter((entry) => entry.name.endsWith('.js')) as PerformanceResourceTiming[];
      return {
        ...marks,
        scripts: scripts.map((s) => s.name.split('/').pop()!),
        transferredJs: scripts.reduce((sum, s) => sum + s.transferSize, 0),
      };
    });
  } finally {
    await cdp?.detach().catch(() => undefined);
    await page.close();
  }
}

interface Target {
  label: string;
  dist: string;
  server: LiveServer;
  user: LiveUser;
  url: string;
  loads: Record<Visit, Load[]>;
}

async function startTarget(label: string, dist: string): Promise<Target> {
  const server = await startLiveServer('web-load', { WEB_DIR: dist });
  const user = await server.registerUser('web');
  const created = await server.api(user, 'POST', '/api/sessions/', {
    name: 'web load',
    template: 'hello-numpy',
  });
  const workspace = (created.json as { uuid: string }).uuid;
  const url = `${server.baseUrl}/w/${workspace}`;
  // The cell runs before the first visit: its start is the cell benchmark's business.
  for (let attempt = 1; ; attempt++) {
    const start = await server.api(user, 'POST', `/api/workspace/${workspace}/start`);
    if ((start.json as { state?: string }).state === 'ready') break;
    if (attempt === 3) throw new Error(`the cell did not start: ${JSON.stringify(start.json)}`);
  }
  // Opens the terminal, which later visits reattach.
  const warmUp = await newProfile(server.baseUrl, user);
  try {
    await visit(warmUp.context, url);
  } finally {
    await warmUp.close();
  }
  return { label, dist, server, user, url, loads: { first: [], second: [], repeat: [] } };
}

async function measure(target: Target, profileDir?: string) {
  const profile = await newProfile(target.server.baseUrl, target.user);
  try {
    for (const name of VISITS) {
      const path =
        profileDir && name !== 'second' ? join(profileDir, `${target.label}-${name}`) : undefined;
      target.loads[name].push(await visit(profile.context, target.url, path));
    }
  } finally {
    await profile.close();
  }
}

// ---- where the main thread's time goes, from a trace --------------------------------------

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/** Self time of each trace event on the renderer's main thread, largest first (ms). */
function mainThreadTime(tracePath: string): [string, number][] {
  const { traceEvents } = JSON.parse(readFileSync(tracePath, 'utf8')) as {
    traceEvents: TraceEvent[];
  };
  // The page's renderer: the navigation may leave the first one, so the busiest.
  const mains = traceEvents.filter(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
  );
  const eventsOf = (thread: TraceEvent) =>
    traceEvents.filter((e) => e.ph === 'X' && e.pid === thread.pid && e.tid === thread.tid);
  const main = mains
    .map((thread) => ({ thread, events: eventsOf(thread) }))
    .sort((a, b) => b.events.length - a.events.length)[0];
  const spans = (main?.events ?? [])
    .filter((e) => e.dur)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const open: TraceEvent[] = [];
  for (const span of spans) {
    while (open.length && open.at(-1)!.ts + open.at(-1)!.dur! <= span.ts) open.pop();
    const parent = open.at(-1);
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - span.dur!);
    self.set(span.name, (self.get(span.name) ?? 0) + span.dur!);
    open.push(span);
  }
  return [...self]
    .map(([name, us]): [string, number] => [name, us / 1000])
    .filter(([, ms]) => ms >= 5)
    .sort((a, b) => b[1] - a[1]);
}

/** Self time of a CPU profile's samples per script (and V8's own buckets), largest first (ms). */
function timeByScript(profilePath: string): [string, number][] {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as {
    nodes: { id: number; callFrame: { url: string; functionName: string } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!;
    const key = frame.url
      ? basename(frame.url).replace(/-[\w-]{8}\.js$/, '.js')
      : `(${frame.functionName.replace(/[()]/g, '') || 'native'})`;
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  });
  return [...totals].filter(([, ms]) => ms >= 5).sort((a, b) => b[1] - a[1]);
}

// ---- run ------------------------------------------------------------------------------------

const targets: Target[] = [];
const closeServers = async () => {
  for (const target of targets) await target.server.close().catch(() => undefined);
};
process.once('SIGINT', () => void closeServers().then(() => process.exit(130)));
const started = Date.now();
try {
  targets.push(await startTarget('this build', distDir));
  if (values.baseline) targets.push(await startTarget('baseline', resolve(values.baseline)));
  for (let run = 0; run < RUNS; run++) {
    for (const target of targets) await measure(target);
    process.stderr.write(`\r${run + 1}/${RUNS}`);
  }
  process.stderr.write('\n');
  if (values.profile) {
    mkdirSync(values.profile, { recursive: true });
    const profiled = { ...targets[0]!, loads: { first: [], second: [], repeat: [] } };
    await measure(profiled, values.profile);
  }
} finally {
  await closeServers();
}
const seconds = (Date.now() - started) / 1000;

const spread = (loads: Load[], mark: Mark) => {
  const samples = loads.map((load) => load[mark]);
  return { ...stats(samples), min: Math.min(...samples), max: Math.max(...samples) };
};
const chunks = chunksOf(distDir);
const firstVisit = targets[0]!.loads.first[0]!;
const stem = (file: string) => file.replace(/-[\w-]{8}\.js$/, '');
const loaded = new Set(firstVisit.scripts);
const sum = (list: Chunk[]) =>
  list.reduce(
    (total, chunk) => ({
      raw: total.raw + chunk.raw,
      gzip: total.gzip + chunk.gzip,
      brotli: total.brotli + chunk.brotli,
    }),
    { raw: 0, gzip: 0, brotli: 0 },
  );
const totals = {
  interactive: sum(chunks.filter((chunk) => chunk.role === 'interactive')),
  editor: sum(chunks.filter((chunk) => chunk.role !== 'on demand')),
  workspacePage: sum(chunks.filter((chunk) => loaded.has(chunk.file))),
};
const profile = values.profile
  ? Object.fromEntries(
      (['first', 'repeat'] as const).map((name) => {
        const file = join(values.profile!, `this build-${name}`);
        return [
          name,
          {
            mainThread: mainThreadTime(`${file}.trace.json`).slice(0, 12),
            byScript: timeByScript(`${file}.cpuprofile`).slice(0, 10),
          },
        ];
      }),
    )
  : undefined;
const result = {
  runs: RUNS,
  seconds,
  chunks: chunks.map((chunk) => ({ ...chunk, firstVisitLoaded: loaded.has(chunk.file) })),
  totals,
  transferredJs: firstVisit.transferredJs,
  loads: Object.fromEntries(
    targets.map((target) => [
      target.label,
      Object.fromEntries(
        VISITS.map((name) => [
          name,
          Object.fromEntries(MARKS.map((mark) => [mark, spread(target.loads[name], mark)])),
        ]),
      ),
    ]),
  ),
  profile,
};
console.log(JSON.stringify(result, null, 2));

const kB = (bytes: number) => `${(bytes / 1000).toFixed(0)} kB`;
const ms = (x: number) => x.toFixed(0);
const ROLE_NAMES: Record<Role, string> = {
  interactive: 'to be interactive',
  editor: 'for the editor',
  'on demand': 'on demand',
};
const chunkRows = result.chunks
  .map(
    (chunk) =>
      `| ${stem(chunk.file)} | ${kB(chunk.raw)} | ${kB(chunk.gzip)} | ${kB(chunk.brotli)} | ${ROLE_NAMES[chunk.role]} | ${chunk.firstVisitLoaded ? 'yes' : 'no'} |`,
  )
  .join('\n');
const sizes = (size: { raw: number; gzip: number; brotli: number }) =>
  `${kB(size.raw)} raw, ${kB(size.gzip)} gzip, ${kB(size.brotli)} brotli`;
const VISIT_NAMES: Record<Visit, string> = {
  first: 'first visit (nothing cached)',
  second: 'second visit (HTTP cache)',
  repeat: 'third visit (HTTP cache + V8 code cache)',
};
const MARK_NAMES: Record<Mark, string> = {
  tree: 'file tree listed',
  prompt: 'terminal prompt',
  interactive: '**interactive** (both)',
  editor: 'editor ready (Monaco shows the file)',
};
const baseline = targets[1];
const cell = (loads: Load[], mark: Mark) => {
  const s = spread(loads, mark);
  return `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`;
};
const timeRows = VISITS.flatMap((name) =>
  MARKS.map((mark) => {
    const mine = targets[0]!.loads[name];
    const columns = [VISIT_NAMES[name], MARK_NAMES[mark], cell(mine, mark)];
    if (baseline) {
      const ratio = spread(mine, mark).median / spread(baseline.loads[name], mark).median;
      columns.push(cell(baseline.loads[name], mark), `${ratio.toFixed(2)}×`);
    }
    return `| ${columns.join(' | ')} |`;
  }),
).join('\n');
const profileTables = profile
  ? (['first', 'repeat'] as const)
      .map(
        (
          name,
        ) => `Main thread of the ${VISIT_NAMES[name]}, self time by trace event until the editor was ready:
${profile[name]!.mainThread.map(([event, time]) => `${event} ${ms(time)} ms`).join(', ')}.
V8 CPU profile, self time by script: ${profile[name]!.byScript.map(([script, time]) => `${script} ${ms(time)} ms`).join(', ')}.`,
      )
      .join('\n\n')
  : '';
const firstInteractive = spread(targets[0]!.loads.first, 'interactive').median;
const repeatInteractive = spread(targets[0]!.loads.repeat, 'interactive').median;
const command = `npx tsx bench/web-load.ts --runs ${RUNS}${baseline ? ` --baseline <dir> --baseline-name '${values['baseline-name']}'` : ''}${values.profile ? ' --profile <dir>' : ''}`;
const section = `## Web app

The workspace page in Debian's Chromium (headless, ${VIEWPORT.width}×${VIEWPORT.height}) against a
server listening on loopback (PGlite, real cells, the cell already running). Each run opens a
fresh browser profile and visits the workspace three times. Times are from navigation start:
the **file tree** lists the files; the **terminal prompt** is on screen (a keystroke reaches
the shell); **interactive** is the later of the two; **editor ready** is Monaco showing the
open file and taking input. Median (min–max) of ${RUNS} runs, in ms.${baseline ? ` Baseline: ${values['baseline-name']}, served by a second server and measured interleaved with this build, visit for visit.` : ''}

| Visit | Moment | Median (min–max)${baseline ? ' | Baseline | Ratio' : ''} |
| --- | --- | ---${baseline ? ' | --- | ---' : ''} |
${timeRows}

The build's JavaScript per chunk, what the page needs it for (from the build's
manifest: a chunk and its static imports), and whether the first visit fetched it. The
server sends the precompressed brotli copy to Chromium.

| Chunk | Raw | gzip | brotli | Needed | First visit |
| --- | --- | --- | --- | --- | --- |
${chunkRows}

- needed to be interactive: ${sizes(totals.interactive)};
- with the editor: ${sizes(totals.editor)};
- all the first visit fetched: ${sizes(totals.workspacePage)}, ${kB(firstVisit.transferredJs)} over the wire.

**Where the time goes.** The critical path of a visit: \`index.html\`, the entry chunk
(React, the router; evaluating it renders "Loading…"), which at once fetches the
workspace page's chunk and xterm.js (a \`/w/…\` address) while the app asks who is
signed in, then (beside their settings) for the workspace; the WebSocket opens beside
that last request. The page's first render draws the panels and opens xterm.js
(which measures its font: a forced layout); the file tree asks for its listing, the
terminal reattaches and the server replays its screen. Monaco's two chunks are fetched
from that first render on, compiled off the main thread as they stream in, and
evaluated when they arrive, then the editor is created and the file's text fetched. On a
repeat visit they arrive early enough that their evaluation (a few hundred ms on this
machine) can fall before the terminal's replay is handled, which is then late by as much.

${profile ? 'From one more run with a trace and a CPU profile (in both, compiling shows as V8.Compile*, V8.ParseFunction and "(program)", running scripts as FunctionCall and v8.evaluateModule, and "(idle)" is waiting for the network and the server):\n\n' : ''}${profileTables}

**Targets** (issue 7: the workspace page's JavaScript ≤ 1.3 MB gzip, interactive ≤ 1 s on
localhost): the page fetched ${kB(totals.workspacePage.gzip)} gzip (${totals.workspacePage.gzip <= 1_300_000 ? 'met' : 'not met'}); interactive
took ${ms(firstInteractive)} ms on a first visit and ${ms(repeatInteractive)} ms on a third (median;
${firstInteractive <= 1000 && repeatInteractive <= 1000 ? 'met' : 'not met'} on this machine, whose load is given below). One change was tried
and not kept; three would take the rest:

- **Monaco after the terminal's screen** (tried, not kept): the editor's chunks preloaded
  beside the page's (\`modulepreload\` compiles without running) and run only once the
  terminal had drawn its screen. In 4 interleaved runs at load average 17 it was no better
  (interactive 0.94× on a first visit, 1.44× on a second, 1.04× on a third): compiling the
  preloaded chunks took the same two busy cores the first render needed. It may pay on a
  machine with idle cores; the terminal panel would then have to tell the page when its
  screen is up.
- **No request waiting for another before the page draws.** The workspace (and with it
  the socket) is asked for only once \`/api/users/me\` has answered; on a \`/w/…\` address
  both could be asked for at once, as the page's chunk already is.
- **A lighter first render.** The panels library measures the DOM (forced layouts) as it
  registers each panel, and xterm.js measures its font; both are in the CPU profile's top
  entries for WorkspacePage and xterm.
- **Fewer Monaco contributions.** Monaco's LSP client imports every editor contribution
  (\`editor.api\` and \`WorkspaceEditor\` are most of the bytes); a client built on the
  individual feature registrations would let the editor ship only what Python editing uses.

Machine: ${machine()}.
Command: \`${command}\` (as root, after \`npm run build -w @workcell/web\`); ${seconds.toFixed(0)} s.
`;
console.log(`\n${section}`);
if (!values['no-docs']) await writeSection('## Web app', section);
