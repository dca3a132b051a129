// Bundles the agent into one ESM file, dist/agent.mjs, that a cell runs with its own
// /usr/bin/node. node-pty stays external: it is native, and the driver binds it beside the
// bundle (/opt/agent/node_modules/node-pty), where Node resolves it from the bundle's folder.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'agent.mjs');

const result = await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // @xterm/headless's `module` field names a file it does not ship.
  mainFields: ['main'],
  external: ['node-pty'],
  write: false,
  logLevel: 'warning',
});

// Written under a temporary name and renamed, so a concurrent build or a starting cell
// never sees half a file.
await mkdir(dirname(outfile), { recursive: true });
const temp = `${outfile}.${randomBytes(6).toString('hex')}.tmp`;
await writeFile(temp, result.outputFiles[0].contents);
await rename(temp, outfile);
