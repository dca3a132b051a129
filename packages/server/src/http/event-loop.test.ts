/**
 * One user's heavy requests do not freeze the server for the others: while one user
 * writes 10 MiB files, reads them back and imports a zip in a loop, another user's
 * `GET /api/health` keeps being answered, and the server's event loop is never held for
 * long. The clients run on their own threads, so the loop measured is the server's alone.
 * The bounds are generous (a loaded CI machine); a blocked loop is seconds (PGlite on the
 * main thread held it 6-12 s for each write).
 */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  forEachDatabase,
  registerUser,
} from '../test-support/api-harness';

const SECONDS = 8;
const MiB = 1024 * 1024;

/** Runs `source` (an async function body with `input`) on a thread; resolves with its result. */
function onThread<T>(source: string, input: unknown): Promise<T> {
  const worker = new Worker(
    `const { parentPort, workerData: input } = require('node:worker_threads');
     (async () => { ${source} })().then((r) => parentPort.postMessage(r), (e) => { throw e; });`,
    { eval: true, workerData: input },
  );
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const HEAVY_USER = `
  const { baseUrl, token, workspace, seconds, zip } = input;
  const headers = { authorization: 'Bearer ' + token };
  const ends = Date.now() + seconds * 1000;
  const statuses = [];
  for (let i = 0; Date.now() < ends; i++) {
    const content = String(i % 10).repeat(10 * 1024 * 1024 - 64);
    const write = await fetch(baseUrl + '/api/workspace/' + workspace + '/file/big' + (i % 2) + '.txt', {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ content }),
    });
    statuses.push(write.status);
    const read = await fetch(baseUrl + '/api/workspace/' + workspace + '/file/big' + (i % 2) + '.txt', { headers });
    statuses.push(read.status);
    await read.arrayBuffer();
    const imported = await fetch(baseUrl + '/api/workspace/' + workspace + '/archive?folder=import' + i, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/zip' }, body: zip,
    });
    statuses.push(imported.status);
    await imported.arrayBuffer();
  }
  return statuses;
`;

const HEALTH_WATCHER = `
  const { baseUrl, seconds } = input;
  const ends = Date.now() + seconds * 1000;
  const latencies = [];
  let last = Date.now();
  let longestGap = 0;
  while (Date.now() < ends) {
    const started = Date.now();
    const response = await fetch(baseUrl + '/api/health');
    await response.text();
    if (response.status !== 200) throw new Error('health answered ' + response.status);
    const now = Date.now();
    latencies.push(now - started);
    longestGap = Math.max(longestGap, now - last);
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, p99: latencies[Math.floor(latencies.length * 0.99)], max: latencies.at(-1), longestGap };
`;

forEachDatabase('the event loop under one heavy user', (ctx) => {
  describe('10 MiB writes and reads and a zip import in a loop', () => {
    it(
      'leave another user’s health checks answered and the loop free',
      { timeout: 120_000 },
      async () => {
        // Room for as many rounds as a fast machine makes in the time: each imports 5 MiB more.
        const { app } = await ctx.buildApp({
          MAX_FILE_BYTES: String(10 * MiB),
          MAX_WORKSPACE_BYTES: String(1024 * MiB),
          MAX_USER_BYTES: String(4096 * MiB),
        });
        const heavy = await registerUser(app, 'heavy');
        const { uuid } = await createWorkspace(app, heavy, 'heavy', 'empty');
        await app.listen({ port: 0, host: '127.0.0.1' });
        const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
        // 2,000 small files, 5 MiB inflated in all.
        const zip = zipSync(
          Object.fromEntries(
            Array.from({ length: 2000 }, (_, i) => [
              `f${i}.txt`,
              Buffer.alloc(2600, 97 + (i % 26)),
            ]),
          ),
        );

        const delay = monitorEventLoopDelay({ resolution: 5 });
        delay.enable();
        const [statuses, health] = await Promise.all([
          onThread<number[]>(HEAVY_USER, {
            baseUrl,
            token: heavy.token,
            workspace: uuid,
            seconds: SECONDS,
            zip,
          }),
          onThread<{ count: number; p99: number; max: number; longestGap: number }>(
            HEALTH_WATCHER,
            {
              baseUrl,
              seconds: SECONDS,
            },
          ),
        ]);
        delay.disable();
        const loop = {
          p50: delay.percentile(50) / 1e6,
          p99: delay.percentile(99) / 1e6,
          max: delay.max / 1e6,
        };
        console.log(
          `${ctx.kind}: ${statuses.length} heavy requests; event-loop delay p50 ${loop.p50.toFixed(1)} ms, p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms; health ${health.count} answers, p99 ${health.p99} ms, max ${health.max} ms, longest gap ${health.longestGap} ms`,
        );
        expect(statuses.length).toBeGreaterThanOrEqual(3);
        expect(statuses.filter((status) => status >= 300)).toEqual([]);
        expect(health.longestGap).toBeLessThan(1000);
        expect(loop.max).toBeLessThan(500);
        expect(
          (await app.inject({ url: `/api/workspace/${uuid}/files`, headers: bearer(heavy) }))
            .statusCode,
        ).toBe(200);
      },
    );
  });
});
