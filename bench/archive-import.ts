/**
 * What a zip upload or download costs everyone else: the server's event-loop delay
 * (perf_hooks.monitorEventLoopDelay) and the latency of `GET /api/health` (which needs no
 * database), sent every 20 ms, while one user imports an archive or downloads a large workspace.
 * The server runs in this process (the delay measured is its own), on PGlite in memory or
 * on the PostgreSQL of DATABASE_URL.
 *
 *   npx tsx bench/archive-import.ts [--only bomb,entries,valid,download]
 *
 * Scenarios: a 5 MB bomb whose headers declare 1 byte (1.7 GiB of one line of
 * Python repeated); a 1 MB
 * archive of 10,000 entries; 5 MiB of compressible text in 5 files; the download of a
 * 90 MiB workspace (9 files of 10 MiB). Prints a table; figures go in the report by hand.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import type { FastifyInstance } from 'fastify';

import { loadConfig } from '../packages/server/src/config';
import { buildApp, createServices } from '../packages/server/src/http/app';
import { openDatabase } from '../packages/server/src/store/database';
import { entry, lyingBomb, rawZip } from '../packages/server/src/test-support/raw-zip';
import { machine, stats } from './report';

const { values } = parseArgs({
  options: { only: { type: 'string', default: 'bomb,entries,valid,download' } },
});
const only = new Set(values.only.split(','));

const database = await openDatabase({
  databaseUrl: process.env.DATABASE_URL,
  pgliteDir: 'memory://',
});
const config = loadConfig({
  LOG_LEVEL: 'silent',
  DATA_DIR: join(tmpdir(), 'workcell-bench-archive'),
  MAX_WORKSPACE_BYTES: String(100 * 1024 * 1024),
  MAX_ARCHIVE_ENTRIES: '10000',
});
const services = createServices(config, database);
const app: FastifyInstance = await buildApp(services);
await app.ready();

async function user(name: string) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/users/register',
    payload: {
      username: `${name}_${randomBytes(3).toString('hex')}`,
      email: `${name}_${randomBytes(3).toString('hex')}@example.com`,
      password: 'correct horse battery',
    },
  });
  return { authorization: `Bearer ${response.json<{ token: string }>().token}` };
}
const alice = await user('alice');

async function workspace(name: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/sessions/',
    headers: alice,
    payload: { name, template: 'empty' },
  });
  return response.json<{ uuid: string }>().uuid;
}

interface Result {
  scenario: string;
  status: number;
  code: string;
  seconds: number;
  loopP99Ms: number;
  loopMaxMs: number;
  healthP99Ms: number;
  healthMaxMs: number;
}

/** Runs `work` while measuring the loop and sending a health request every 20 ms. */
async function measure(
  scenario: string,
  work: () => Promise<{ statusCode: number; body: string }>,
): Promise<Result> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const health: number[] = [];
  let running = true;
  const pinger = (async () => {
    while (running) {
      const started = performance.now();
      await app.inject({ url: '/api/health' });
      health.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  delay.enable();
  const started = performance.now();
  const response = await work();
  const seconds = (performance.now() - started) / 1000;
  delay.disable();
  running = false;
  await pinger;
  const code = (() => {
    try {
      return (JSON.parse(response.body) as { error?: { code: string } }).error?.code ?? '';
    } catch {
      return '(binary)';
    }
  })();
  return {
    scenario,
    status: response.statusCode,
    code,
    seconds: Math.round(seconds * 100) / 100,
    loopP99Ms: Math.round(delay.percentile(99) / 1e4) / 100,
    loopMaxMs: Math.round(delay.max / 1e4) / 100,
    healthP99Ms: Math.round(stats(health).p99 * 100) / 100,
    healthMaxMs: Math.round(Math.max(...health) * 100) / 100,
  };
}

const upload = (uuid: string, zip: Uint8Array) => () =>
  app.inject({
    method: 'POST',
    url: `/api/workspace/${uuid}/archive`,
    headers: { ...alice, 'content-type': 'application/zip' },
    payload: Buffer.from(zip),
  });

const results: Result[] = [];
if (only.has('bomb')) {
  // Text, not zeros: fflate (the reader before) kept its first byte and said nothing.
  const line = Buffer.from('print("the same line, over and over")\n');
  const fill = Buffer.alloc(1024 * 1024);
  for (let at = 0; at < fill.length; at += line.length) line.copy(fill, at);
  const bomb = rawZip([lyingBomb('lines.py', 1700, fill)]);
  process.stderr.write(`bomb: ${bomb.length} bytes\n`);
  results.push(await measure('5 MB bomb declaring 1 byte', upload(await workspace('bomb'), bomb)));
}
if (only.has('entries')) {
  const many = rawZip(
    Array.from({ length: 10_000 }, (_, i) =>
      entry(`dir${i % 100}/file${i}.txt`, randomBytes(40).toString('hex')),
    ),
  );
  process.stderr.write(`entries: ${many.length} bytes\n`);
  results.push(
    await measure('1 MB archive of 10,000 entries', upload(await workspace('many'), many)),
  );
}
if (only.has('valid')) {
  const line = 'print("a line of Python, compressible")  # padding padding padding\n';
  const text = line.repeat(Math.ceil((1024 * 1024) / line.length)).slice(0, 1024 * 1024);
  const valid = rawZip(Array.from({ length: 5 }, (_, i) => entry(`big${i}.py`, text)));
  process.stderr.write(`valid: ${valid.length} bytes\n`);
  results.push(await measure('5 MiB of text, 5 files', upload(await workspace('valid'), valid)));
}
if (only.has('download')) {
  const uuid = await workspace('download');
  for (let i = 0; i < 9; i++)
    await services.files.write(uuid, `f${i}.bin`, randomBytes(10 * 1024 * 1024), {
      source: 'api',
    });
  results.push(
    await measure('download of 90 MiB', () =>
      app.inject({ url: `/api/workspace/${uuid}/archive`, headers: alice }),
    ),
  );
}

console.table(results);
console.log(machine(), database.kind);
await app.close();
await database.close();
