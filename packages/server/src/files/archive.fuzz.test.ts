/**
 * Zip uploads fuzzed: random bytes, valid archives with bytes overwritten or cut short,
 * and archives built from random entries (names, methods, flags, sizes and checksums that
 * may lie). Whatever arrives, the answer is a 2xx or 4xx with an error code, never a 500,
 * and the server goes on answering.
 */
import type { Workspace } from '@workcell/protocol';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';

import {
  bearer,
  createWorkspace,
  forEachDatabase,
  registerUser,
  type TestUser,
} from '../test-support/api-harness';
import { entry, rawZip, type RawEntry } from '../test-support/raw-zip';

const SEED = 42;

/** A valid archive to mutate: a folder, deflated and stored files. */
const sample = rawZip([
  entry('src/', new Uint8Array(0), { method: 0 }),
  entry('src/main.py', 'print("hello")\n'.repeat(20)),
  entry(
    'data.bin',
    Uint8Array.from({ length: 300 }, (_, i) => i % 256),
    { method: 0 },
  ),
  entry('notes/readme.txt', 'Read me.\n'),
]);

const names = fc.oneof(
  fc.constantFrom('a.py', 'dir/', 'dir/b.txt', '../up.py', '/abs', 'a\\b', './a.py', '.DS_Store'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 20 }),
);

/** `value` one time in five, otherwise null (the entry's own, true value). */
const rarely = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: value, weight: 1 });

const randomEntry: fc.Arbitrary<RawEntry> = fc
  .record({
    name: names,
    content: fc.uint8Array({ maxLength: 2000 }),
    method: fc.constantFrom<(0 | 8)[]>(0, 8),
    oddMethod: rarely(fc.constantFrom(1, 9, 12, 14, 93, 65535)),
    flags: rarely(fc.constantFrom(0, 1, 8, 0x0800, 0x0809)),
    declaredSize: rarely(fc.oneof(fc.nat(), fc.constant(0xffffffff))),
    crc: rarely(fc.nat({ max: 0xffffffff })),
  })
  .map(({ name, content, method, oddMethod, flags, declaredSize, crc }) => ({
    ...entry(name, content, { method }),
    ...(oddMethod !== null && { method: oddMethod }),
    ...(flags !== null && { flags }),
    ...(declaredSize !== null && { declaredSize }),
    ...(crc !== null && { crc }),
  }));

forEachDatabase('zip upload fuzzing', (ctx) => {
  let user: TestUser;
  let workspace: Workspace;
  beforeAll(async () => {
    user = await registerUser(ctx.app, 'fuzz');
    workspace = await createWorkspace(ctx.app, user, 'Fuzzed', 'empty');
  });

  const post = async (body: Uint8Array) => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: `/api/workspace/${workspace.uuid}/archive`,
      headers: { ...bearer(user), 'content-type': 'application/zip' },
      payload: Buffer.from(body),
    });
    expect(response.statusCode, response.body).toBeLessThan(500);
    if (response.statusCode >= 400)
      expect(response.json<{ error: { code: string } }>().error.code).toMatch(/^[A-Z_]+$/);
    const health = await ctx.app.inject({ url: '/api/health' });
    expect(health.statusCode).toBe(200);
  };

  it('random bytes: 4xx, never 500', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), post), {
      seed: SEED,
      numRuns: 60,
    });
  });

  it('a valid archive with bytes overwritten, or cut short: never 500', async () => {
    const mutation = fc.record({
      writes: fc.array(fc.tuple(fc.nat({ max: sample.length - 1 }), fc.nat({ max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      cut: fc.option(fc.nat({ max: sample.length }), { freq: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ writes, cut }) => {
        const mutated = Uint8Array.from(sample);
        for (const [at, value] of writes) mutated[at] = value;
        await post(cut === null ? mutated : mutated.subarray(0, cut));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('archives of random entries (names, methods, flags, lying sizes and checksums): never 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(randomEntry, { maxLength: 6 }), async (entries) => {
        await post(rawZip(entries));
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
