/**
 * The workspace page in Debian's Chromium, served by a listening server (PGlite, real
 * cells) on loopback. Needs root, like the cells, and a built app (npm run build -w
 * @workcell/web).
 *
 *   npx tsx bench/web-load.ts [--runs 10] [--no-docs]
 *
 * Measures:
 * - the JavaScript the workspace page loads (its entry, the lazy page chunk, the Python
 *   grammar; the editor worker apart): raw, gzip and brotli, and what went over the wire;
 * - load time, each run in a fresh browser context (cold cache), from navigation start:
 *   the editor showing the file's text (Monaco is interactive then), and the terminal's
 *   first shell prompt. The first load starts the cell; later loads find it running and
 *   reattach the terminal.
 * Prints a table and writes the "## Web app" section of docs/performance.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, gzipSync } from 'node:zlib';

import { chromium, type Browser } from '@playwright/test';
import { SIGNED_IN_COOKIE } from '@workcell/protocol';

import { startLiveServer } from '../packages/server/src/test-support/live-server';
import { machine, stats, writeSection } from './report';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const assetsDir = join(import.meta.dirname, '../packages/web/dist/assets');

function bundleSizes() {
  const names = readdirSync(assetsDir).filter((name) => name.endsWith('.js'));
  const page = names.filter((name) => /^(index|WorkspacePage|python)-.*\.js$/.test(name));
  const worker = names.filter((name) => name.startsWith('editor.worker'));
  const measure = (files: string[]) =>
    files.reduce(
      (sum, name) => {
        const data = readFileSync(join(assetsDir, name));
        return {
          raw: sum.raw + data.length,
          gzip: sum.gzip + gzipSync(data, { level: 9 }).length,
          brotli: sum.brotli + brotliCompressSync(data).length,
        };
      },
      { raw: 0, gzip: 0, brotli: 0 },
    );
  return { page: measure(page), worker: measure(worker), files: page };
}

interface Load {
  editor: number;
  prompt: number;
  transferredJs: number;
}

async function load(browser: Browser, baseUrl: string, cookie: string, workspace: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const [name, value] = cookie.split(';')[0]!.split('=');
  await context.addCookies([
    { name: name!, value: value!, url: baseUrl },
    // The app asks who is signed in only when the server's hint says a session exists.
    { name: SIGNED_IN_COOKIE, value: '1', url: baseUrl },
  ]);
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/w/${workspace}`);
    const editor = await page.waitForFunction(
      () =>
        document.querySelector('.monaco-editor .view-lines')?.textContent?.includes('import') &&
        performance.now(),
      undefined,
      { timeout: 60_000, polling: 'raf' },
    );
    const prompt = await page.waitForFunction(
      () => document.querySelector('.xterm-rows')?.textContent?.includes('$') && performance.now(),
      undefined,
      { timeout: 60_000, polling: 'raf' },
    );
    const transferredJs = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => entry.name.endsWith('.js'))
        .reduce((sum, entry) => sum + (entry as PerformanceResourceTiming).transferSize, 0),
    );
    return {
      editor: (await editor.jsonValue()) as number,
      prompt: (await prompt.jsonValue()) as number,
      transferredJs,
    } satisfies Load;
  } finally {
    await context.close();
  }
}

const sizes = bundleSizes();
const server = await startLiveServer('web-load');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const loads: Load[] = [];
let first: Load;
try {
  const user = await server.registerUser('web');
  const created = await server.api(user, 'POST', '/api/sessions/', {
    name: 'web load',
    template: 'hello-numpy',
  });
  const workspace = (created.json as { uuid: string }).uuid;
  first = await load(browser, server.baseUrl, user.cookie, workspace);
  for (let run = 0; run < RUNS; run++) {
    loads.push(await load(browser, server.baseUrl, user.cookie, workspace));
    process.stderr.write(`\r${run + 1}/${RUNS}`);
  }
  process.stderr.write('\n');
} finally {
  await browser.close();
  await server.close();
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(0)} kB`;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const editor = stats(loads.map((l) => l.editor));
const prompt = stats(loads.map((l) => l.prompt));
const section = `## Web app

The workspace page in Debian's Chromium (headless, 1280×800) against a server listening
on loopback (PGlite, real cells); each load in a fresh browser context, so nothing is
cached. The build writes brotli and gzip copies of every asset, and the server sends the
one the browser accepts.

| JavaScript of the workspace page | Raw | gzip | brotli |
| --- | --- | --- | --- |
| ${sizes.files.length} files: entry, page chunk (React, Monaco, xterm), Python grammar | ${kB(sizes.page.raw)} | ${kB(sizes.page.gzip)} | ${kB(sizes.page.brotli)} |
| the editor worker (started by Monaco after the first paint) | ${kB(sizes.worker.raw)} | ${kB(sizes.worker.gzip)} | ${kB(sizes.worker.brotli)} |

Over the wire, the scripts of one load: ${kB(loads[0]?.transferredJs ?? NaN)}.

| From navigation start | Samples | Median | p95 |
| --- | --- | --- | --- |
| the editor shows the file (Monaco interactive), cell already running | ${editor.n} | ${ms(editor.median)} | ${ms(editor.p95)} |
| the terminal shows its shell prompt, cell already running | ${prompt.n} | ${ms(prompt.median)} | ${ms(prompt.p95)} |
| first visit, the cell starting: editor / prompt | 1 | ${ms(first.editor)} / ${ms(first.prompt)} | |

Machine: ${machine()}.
Command: \`npx tsx bench/web-load.ts --runs ${RUNS}\` (as root, after \`npm run build -w @workcell/web\`).
`;
console.log(`\n${section}`);
if (!values['no-docs']) await writeSection('## Web app', section);
