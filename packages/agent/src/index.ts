/**
 * What the server needs from this package: where the agent bundle is (built on demand in
 * a source checkout), where node-pty lives for the driver to bind beside it, the agent's
 * environment contract, and an unsandboxed start for tests and development.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { agentEnv, type AgentSettings } from './settings';

export {
  AGENT_ENV,
  agentEnv,
  defaultShellEnv,
  EGRESS_PROXY_PORT,
  type AgentSettings,
} from './settings';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

/** The built agent (see build.mjs): bind the folder whole, with node_modules beside it. */
export function agentDistDir(): string {
  return join(packageDir, 'dist');
}

/** The agent's entry point in agentDistDir(): run it as `node <entry>`. */
export function agentBundlePath(): string {
  return join(agentDistDir(), 'main.cjs');
}

/** The node_modules folder holding node-pty: bind it at /opt/agent/node_modules. */
export function agentNodeModulesDir(): string {
  return dirname(dirname(require.resolve('node-pty/package.json')));
}

let building: Promise<string> | undefined;

/**
 * Returns the bundle path, building it first when it is missing or older than a source
 * of the agent or the protocol. Cheap when up to date (a few dozen stat calls).
 */
export function ensureAgentBuilt(): Promise<string> {
  building ??= buildIfStale().finally(() => {
    building = undefined;
  });
  return building;
}

async function buildIfStale(): Promise<string> {
  // Written last by the build, after the entry point and the code cache.
  const built = await stat(join(agentDistDir(), 'agent.cjs')).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  const protocolDir = dirname(require.resolve('@workcell/protocol'));
  const sources = [
    join(packageDir, 'build.mjs'),
    ...(await sourceFiles(join(packageDir, 'src'))),
    ...(await sourceFiles(protocolDir)),
  ];
  const newest = Math.max(
    ...(await Promise.all(sources.map(async (f) => (await stat(f)).mtimeMs))),
  );
  if (built === undefined || built < newest) {
    await promisify(execFile)(process.execPath, [join(packageDir, 'build.mjs')]);
  }
  return agentBundlePath();
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Starts the built agent as a plain child process, without any isolation: for tests and
 * development only. The channel is the socket on the child's fd 3, as in a cell; with
 * `listen`, fd 3 only keeps the agent running, as a container runtime does.
 */
export function spawnLocalAgent(
  settings: Omit<Partial<AgentSettings>, 'channel'> & { root: string },
): {
  child: ChildProcess;
  channel: Duplex;
} {
  const child = spawn(process.execPath, [agentBundlePath()], {
    cwd: settings.root,
    env: agentEnv({ ...settings, channel: 3 }),
    stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
  });
  return { child, channel: child.stdio[3] as Duplex };
}
