/**
 * Many users at once: N simulated users (default 200), each signed in with a workspace
 * whose cell runs, one terminal open over /ws typing a key a second (each key's echo
 * timed), and the editor's save (POST of a file with baseVersion) every 10 s. The server
 * runs in its own process on PostgreSQL (a scratch database). Needs root, like the cells.
 *
 *   npx tsx bench/load.ts [--users 200] [--duration 60] [--ramp-parallel 4] [--no-docs]
 *
 * Users join --ramp-parallel at a time (register, create a workspace, open /ws and a
 * terminal, which starts the cell, wait for the prompt); then all of them act for
 * --duration seconds, their keys and saves spread evenly over each period. A key whose
 * echo has not come in 5 s, a failed or refused save, or a socket that closed counts as an
 * error. Samples host CPU (/proc/stat), MemAvailable and the server's RSS and CPU every
 * 5 s. Every cell, socket and the database are gone at the end, also on failure or Ctrl+C.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { machine, stats, writeSection } from './report';
import { atExit, log, runCleanups, scratchDatabase, startServerProcess } from './server-process';
import type { LiveUser } from '../packages/server/src/test-support/live-server';
import { WsClient, type TerminalView } from '../packages/server/src/test-support/ws-client';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '200' },
    duration: { type: 'string', default: '60' },
    'ramp-parallel': { type: 'string', default: '4' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const USERS = Number(values.users);
const DURATION_S = Number(values.duration);
const RAMP_PARALLEL = Number(values['ramp-parallel']);
const KEY_EVERY_MS = 1000;
const SAVE_EVERY_MS = 10_000;
const ECHO_TIMEOUT_MS = 5000;
const BASELINE_KEYS = 60;
const MiB = 2 ** 20;

interface User {
  account: LiveUser;
  workspace: string;
  client: WsClient;
  terminal: TerminalView;
  version: number;
  keys: number;
}

const memAvailable = () =>
  Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;

/** [busy, total] jiffies of all CPUs since boot. */
function hostCpu(): [number, number] {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.split(/\s+/).slice(1);
  const numbers = fields.map(Number);
  const idle = numbers[3]! + numbers[4]!;
  const total = numbers.reduce((sum, x) => sum + x, 0);
  return [total - idle, total];
}

/** Types `key` and resolves with the ms until the terminal's next output (or rejects). */
function keystroke(terminal: TerminalView, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const timer = setTimeout(() => {
      off();
      reject(new Error('no echo'));
    }, ECHO_TIMEOUT_MS);
    const off = terminal.onOutput(() => {
      off();
      clearTimeout(timer);
      resolve(performance.now() - t0);
    });
    terminal.input(key);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const databaseUrl = await scratchDatabase('load');
  const server = await startServerProcess('bench-load', {
    env: {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      CELL_MAX_TOTAL: String(USERS + 10),
      // Every simulated user connects from this machine's one address.
      MAX_CONNECTIONS_PER_ADDRESS: String(2 * USERS + 16),
    },
  });
  const users: User[] = [];
  atExit(async () => {
    await Promise.all(users.map((user) => user.client.close().catch(() => undefined)));
  });
  const mem0 = memAvailable();
  const rss0 = server.rssBytes();

  log(`ramping up ${USERS} users, ${RAMP_PARALLEL} at a time…`);
  const rampStart = performance.now();
  const join = async (i: number) => {
    const account = await server.registerUser('load');
    const workspace = await server.createWorkspace(account, `load ${i}`);
    const client = await WsClient.connect(server.wsUrl, { token: account.token });
    try {
      const terminal = await client.open(workspace, { render: false });
      await WsClient.prompt(terminal, 60_000);
      users.push({ account, workspace, client, terminal, version: 0, keys: 0 });
    } catch (error) {
      await client.close();
      throw error;
    }
  };
  await join(0);
  // One user typing alone first (a key every 250 ms): the echo this host gives without the load.
  const alone: number[] = [];
  for (let k = 0; k < BASELINE_KEYS; k++) {
    alone.push(await keystroke(users[0]!.terminal, k % 2 === 0 ? 'a' : '\x7f'));
    await sleep(KEY_EVERY_MS / 4);
  }
  users[0]!.keys = BASELINE_KEYS;
  for (let i = 1; i < USERS; i += RAMP_PARALLEL) {
    await Promise.all(
      Array.from({ length: Math.min(RAMP_PARALLEL, USERS - i) }, (_, k) => join(i + k)),
    );
    if (users.length % 20 < RAMP_PARALLEL) log(`${users.length} users`);
  }
  const rampS = (performance.now() - rampStart) / 1000;
  log(`${users.length} users in ${rampS.toFixed(0)} s; steady load for ${DURATION_S} s…`);

  const echo: number[] = [];
  const save: number[] = [];
  const errors = { echoTimeouts: 0, saveFailures: 0, conflicts: 0, socketsClosed: 0 };
  let closedSockets = 0;
  for (const user of users)
    void user.client.whenClosed().then(() => {
      closedSockets += 1;
    });

  const end = performance.now() + DURATION_S * 1000;
  /** Runs `act` every `period` ms until the end, starting at a random phase. */
  const every = async (period: number, act: () => Promise<void>) => {
    await sleep(Math.random() * period);
    while (performance.now() < end) {
      const next = performance.now() + period;
      await act();
      await sleep(Math.max(0, next - performance.now()));
    }
  };
  const typing = (user: User) =>
    every(KEY_EVERY_MS, async () => {
      // A letter, then a backspace: the line stays empty.
      const key = user.keys++ % 2 === 0 ? 'a' : '\x7f';
      try {
        echo.push(await keystroke(user.terminal, key));
      } catch {
        errors.echoTimeouts += 1;
      }
    });
  const saving = (user: User) =>
    every(SAVE_EVERY_MS, async () => {
      const t0 = performance.now();
      const response = await server
        .api(user.account, 'POST', `/api/workspace/${user.workspace}/file/main.py`, {
          content: `print("save ${user.keys}")\n`,
          baseVersion: user.version,
        })
        .catch(() => undefined);
      save.push(performance.now() - t0);
      const version = (response?.json as { version?: number } | undefined)?.version;
      if (response && response.status < 300 && version !== undefined) user.version = version;
      else if (response?.status === 409) errors.conflicts += 1;
      else errors.saveFailures += 1;
    });

  // The first save of the template's main.py needs its version.
  for (const user of users) {
    const listing = await server.api(user.account, 'GET', `/api/workspace/${user.workspace}/files`);
    const files = (listing.json as { files: { path: string; version: number }[] }).files;
    user.version = files.find((file) => file.path === 'main.py')?.version ?? 0;
  }

  const samples: {
    hostCpu: number;
    memDropMiB: number;
    serverRssMiB: number;
    serverCpu: number;
  }[] = [];
  let cpu = hostCpu();
  let serverCpu = server.cpuSeconds();
  let at = performance.now();
  const sampler = setInterval(() => {
    const now = performance.now();
    const [busy, total] = hostCpu();
    const serverNow = server.cpuSeconds();
    samples.push({
      hostCpu: ((busy - cpu[0]) / (total - cpu[1])) * 100,
      memDropMiB: (mem0 - memAvailable()) / MiB,
      serverRssMiB: server.rssBytes() / MiB,
      serverCpu: ((serverNow - serverCpu) / ((now - at) / 1000)) * 100,
    });
    cpu = [busy, total];
    serverCpu = serverNow;
    at = now;
  }, 5000);
  await Promise.all(users.flatMap((user) => [typing(user), saving(user)]));
  clearInterval(sampler);
  errors.socketsClosed = closedSockets;
  await server.stop();

  const e = stats(echo);
  const a = stats(alone);
  const s = stats(save);
  const mean = (pick: (x: (typeof samples)[number]) => number) =>
    samples.reduce((sum, x) => sum + pick(x), 0) / Math.max(1, samples.length);
  const result = {
    users: users.length,
    durationS: DURATION_S,
    rampS,
    echo: { ...e, max: Math.max(...echo) },
    echoAlone: { ...a, max: Math.max(...alone) },
    save: { ...s, max: Math.max(...save) },
    errors,
    hostCpuPercent: mean((x) => x.hostCpu),
    serverCpuPercent: mean((x) => x.serverCpu),
    memAvailableDropMiB: Math.max(...samples.map((x) => x.memDropMiB)),
    serverRssMiB: { start: rss0 / MiB, max: Math.max(...samples.map((x) => x.serverRssMiB)) },
  };
  console.log(JSON.stringify(result, null, 2));

  const f = (x: number, digits = 1) => x.toFixed(digits);
  const errorCount =
    errors.echoTimeouts + errors.saveFailures + errors.conflicts + errors.socketsClosed;
  const table = [
    '| Measure | Samples | Median | p99 | Max |',
    '| --- | --- | --- | --- | --- |',
    `| keystroke echo, ${users.length} users | ${e.n} | ${f(e.median)} ms | ${f(e.p99)} ms | ${f(result.echo.max)} ms |`,
    `| keystroke echo, one user alone (just before) | ${a.n} | ${f(a.median)} ms | ${f(a.p99)} ms | ${f(result.echoAlone.max)} ms |`,
    `| save (POST …/file/main.py) | ${s.n} | ${f(s.median)} ms | ${f(s.p99)} ms | ${f(result.save.max)} ms |`,
  ].join('\n');
  const section = `## Many users at once

${users.length} simulated users on one server (its own process, PostgreSQL on a scratch
database, logging at \`info\`), each signed in with a workspace of its own whose cell runs
(${users.length} cells with the default limits), one terminal open over \`/ws\` with bash in it,
typing a key a second (a letter, then a backspace; each key timed until its echo) and
saving a file every 10 s (\`POST …/file/main.py\` with \`baseVersion\`, as the editor
does); keys and saves spread evenly over each period. Users joined ${RAMP_PARALLEL} at a time
(${f(rampS, 0)} s for all of them); then ${DURATION_S} s of steady load were measured.

Machine: ${machine()}. The load generator (one Node process for all the users' sockets)
and PostgreSQL share the 2 cores with the server and the cells.
Command: \`npx tsx bench/load.ts --users ${USERS} --duration ${DURATION_S} --ramp-parallel ${RAMP_PARALLEL}\` (as root).

${table}

Errors: ${errorCount} (echo timeouts ${errors.echoTimeouts}, failed saves ${errors.saveFailures},
409 conflicts ${errors.conflicts}, sockets closed ${errors.socketsClosed}). Host CPU ${f(result.hostCpuPercent, 0)}% of
both cores on average, the server's process ${f(result.serverCpuPercent, 0)}% of one core; MemAvailable
fell by ${f(result.memAvailableDropMiB / 1024, 2)} GiB at most; the server's RSS went from
${f(result.serverRssMiB.start, 0)} to ${f(result.serverRssMiB.max, 0)} MiB.

**Where the time goes.** A key crosses four processes and back: the user's socket in the
load generator, the server (a \`terminal.input\` message, validated and written to the
agent's channel), the cell's agent (a write to the PTY) and bash (readline echoes it); the
echo returns the same way, the agent batching PTY output and the server forwarding it. Each
hop is cheap (the one-user figure above), but each needs a CPU: ${users.length} users make about
${users.length} keys, ${users.length * 2} process wake-ups in the cells and ${USERS / 10} saves a second, and the
server's own share stays small (its CPU above). The tail comes from waiting to be scheduled
on a saturated host, made worse by each cell's CPU quota (0.5 core in 10 ms periods: a cell
that used its share waits for the next period) and by whatever else runs on the machine.
Saves add a PostgreSQL transaction with a WAL flush each (see REST under concurrency).
`;
  console.log(`\n${section}`);
  if (!values['no-docs']) await writeSection('## Many users at once', section);
} finally {
  await runCleanups();
}
