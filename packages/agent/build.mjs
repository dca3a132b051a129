// Builds the agent that a cell runs with its own /usr/bin/node, into dist/:
//   main.cjs             the entry (src/boot.ts): runs agent.cjs from V8's code cache
//   agent.cjs            the agent, one CommonJS file whose first line names its hash
//   agent-<hash>.cache   V8's code cache of agent.cjs, made by starting the agent once
// node-pty stays external: it is native, and the driver binds it beside dist/
// (/opt/agent/node_modules/node-pty), where Node resolves it from dist/'s parent.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // @xterm/headless's `module` field names a file it does not ship.
  mainFields: ['main'],
  external: ['node-pty'],
  write: false,
  logLevel: 'warning',
  // The bundle's text stays in every agent's heap (V8 compiles functions lazily from it),
  // so it carries no indentation or comments; names stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
};
const [agent, boot] = await Promise.all([
  build({ ...common, entryPoints: [join(here, 'src', 'main.ts')] }),
  build({ ...common, entryPoints: [join(here, 'src', 'boot.ts')] }),
]);
const output = agent.outputFiles[0].contents;
const hash = createHash('sha256').update(output).digest('hex').slice(0, 16);

// Every file is written under a temporary name and renamed, so a concurrent build or a
// starting cell never sees half a file; the cache is in place before the bundle it
// belongs to.
await mkdir(dist, { recursive: true });
const put = async (name, content) => {
  const temp = join(dist, `${name}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, content);
  await rename(temp, join(dist, name));
};
const bundle = Buffer.concat([Buffer.from(`// workcell-agent ${hash}\n`), output]);
await put('main.cjs', boot.outputFiles[0].contents);

// The cache is made by the agent itself: a start with an empty workspace over stdio,
// which ends when stdin does. Made in a scratch copy, as the real bundle is not in place
// yet.
const scratch = await mkdtemp(join(tmpdir(), 'workcell-agent-build-'));
try {
  await writeFile(join(scratch, 'agent.cjs'), bundle);
  await writeFile(join(scratch, 'main.cjs'), boot.outputFiles[0].contents);
  await mkdir(join(scratch, 'app'));
  const child = spawn(process.execPath, [join(scratch, 'main.cjs')], {
    cwd: scratch,
    env: {
      WORKCELL_AGENT_WRITE_CODE_CACHE: '1',
      WORKCELL_AGENT_FD: 'stdio',
      WORKCELL_ROOT: join(scratch, 'app'),
      WORKCELL_HOME: join(scratch, 'home'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`the agent's start for its code cache exited with ${code}`);
  await put(`agent-${hash}.cache`, await readFile(join(scratch, `agent-${hash}.cache`)));
} finally {
  await rm(scratch, { recursive: true, force: true });
}
await put('agent.cjs', bundle);
// Earlier builds' outputs; a cell starting from an older bundle just compiles it.
for (const name of await readdir(dist)) {
  const stale =
    (name.startsWith('agent-') && name.endsWith('.cache') && name !== `agent-${hash}.cache`) ||
    name === 'agent.mjs';
  if (stale) await rm(join(dist, name), { force: true });
}
