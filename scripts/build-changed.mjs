// Builds the agent and the web app only when their inputs changed since the last build:
// `node scripts/build-changed.mjs [agent] [web]` (both by default). A build's inputs are
// hashed by content (paths and bytes, so a checkout or a touch alone rebuilds nothing)
// and the hash is written into its output last, so an interrupted build runs again.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = ['package-lock.json', 'packages/protocol/src', 'packages/protocol/package.json'];

const targets = {
  agent: {
    inputs: [
      ...shared,
      'packages/agent/src',
      'packages/agent/build.mjs',
      'packages/agent/package.json',
    ],
    output: 'packages/agent/dist',
    build: ['npm', ['run', '--silent', 'build', '-w', '@workcell/agent']],
  },
  web: {
    inputs: [
      ...shared,
      'packages/web/src',
      'packages/web/public',
      'packages/web/index.html',
      'packages/web/vite.config.ts',
      'packages/web/tsconfig.json',
      'packages/web/package.json',
    ],
    output: 'packages/web/dist',
    build: ['npm', ['run', '--silent', 'build', '-w', '@workcell/web']],
  },
};

/** Every file under `path`, tests aside (they are not built), in a stable order. */
function files(path) {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [path];
  return readdirSync(full, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) =>
      /\.test\.tsx?$/.test(entry.name) ? [] : files(relative(root, join(full, entry.name))),
    );
}

function inputHash(inputs) {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(files)) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
  }
  return hash.digest('hex');
}

const requested = process.argv.slice(2);
for (const name of requested.length > 0 ? requested : Object.keys(targets)) {
  const target = targets[name];
  if (!target) {
    console.error(`unknown build ${name}; one of: ${Object.keys(targets).join(', ')}`);
    process.exit(2);
  }
  const stamp = join(root, target.output, '.inputs-sha256');
  const hash = inputHash(target.inputs);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) continue;
  const [command, args] = target.build;
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
  writeFileSync(stamp, hash);
}
