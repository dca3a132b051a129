/**
 * The agent's entry point in dist/ (built as main.cjs): runs the bundle beside it
 * (agent.cjs) from V8's code cache, which the build made by starting the agent once.
 * Compiling the bundle was the largest part of the agent's start (docs/performance.md);
 * with the cache V8 deserialises the functions the start runs instead. The cache is named
 * after the bundle's content hash (its first line), so a bundle rebuilt under a starting
 * cell never runs with another bundle's cache; a missing or rejected cache (another Node)
 * only costs the compile.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { wrap } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

import { BOOT_MARKS } from './startup';

/** Set by the build only: write the cache of what this run compiled, at exit. */
const WRITE_CACHE = 'WORKCELL_AGENT_WRITE_CODE_CACHE';

function boot(): void {
  performance.mark(BOOT_MARKS.node);
  const bundle = join(__dirname, 'agent.cjs');
  const source = readFileSync(bundle, 'utf8');
  const hash = /^\/\/ workcell-agent ([0-9a-f]+)\n/.exec(source)?.[1];
  const cacheFile = hash === undefined ? undefined : join(__dirname, `agent-${hash}.cache`);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile) cachedData = readFileSync(cacheFile);
  } catch {
    // Compiled without the cache.
  }
  const script = new Script(wrap(source), { filename: bundle, cachedData });
  const codeCache = cachedData !== undefined && !script.cachedDataRejected;
  performance.mark(BOOT_MARKS.compiled, { detail: { codeCache } });
  if (process.env[WRITE_CACHE] === '1' && cacheFile) {
    Reflect.deleteProperty(process.env, WRITE_CACHE);
    // At exit, the cache holds every function the start and the shutdown compiled.
    process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  }
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(exports, require, module, bundle, __dirname);
}

boot();
