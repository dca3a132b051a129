/**
 * The REST API under concurrency, on PostgreSQL: the file tree listing (`GET …/files`,
 * what the file tree loads) and the editor's save (`POST …/file/<path>` with baseVersion)
 * over 200 keep-alive connections, each a user of its own with a workspace of its own.
 * The server runs in a child process (bench/server-process.ts) on a scratch database.
 *
 *   npx tsx bench/rest.ts [--connections 200] [--duration 10] [--runs 3] [--files 30]
 *                         [--rate-fraction 0.6] [--rate N] [--cpu-prof DIR] [--quick] [--no-docs]
 *
 * Two ways of loading the server, each run --runs times, interleaved:
 * - closed loop: every connection sends its next request as soon as the last is answered,
 *   so the server is saturated; this gives the throughput. By Little's law its latency is
 *   connections / throughput, whatever the server does.
 * - open loop: requests at a fixed rate (--rate, or --rate-fraction of the closed loop's
 *   median throughput), spread round-robin over the connections; latency counts from when
 *   a request was due, so time queued behind a slow one counts too.
 * Prints JSON and a table; writes the "## REST under concurrency" section of
 * docs/performance.md.
 */
import { parseArgs } from 'node:util';

import pg from 'pg';
import { Client } from 'undici';

import { machine, stats, writeSection } from './report';
import {
  atExit,
  log,
  runCleanups,
  scratchDatabase,
  startServerProcess,
  type ServerProcess,
} from './server-process';
import type { LiveUser } from '../packages/server/src/test-support/live-server';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    files: { type: 'string', default: '30' },
    'rate-fraction': { type: 'string', default: '0.6' },
    rate: { type: 'string' },
    'cpu-prof': { type: 'string' },
    /** KEY=VALUE of the server's configuration, e.g. AUTH_CACHE_SECONDS=0 for a comparison. */
    env: { type: 'string', multiple: true, default: [] },
    quick: { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
  },
});
const CONNECTIONS = Number(values.connections);
const DURATION_S = values.quick ? 3 : Number(values.duration);
const RUNS = values.quick ? 1 : Number(values.runs);
const FILES = Number(values.files);
const WARMUP_S = 2;
/** The size of a saved file: a small module, as an editor saves it. */
const SAVE_BYTES = 2048;

type Kind = 'list' | 'save';

interface Connection {
  client: Client;
  user: LiveUser;
  workspace: string;
  /** The version the connection's next save is based on (per-connection file). */
  version: number;
  saves: number;
}

interface Outcome {
  ms: number;
  status: number;
}

async function send(connection: Connection, kind: Kind): Promise<number> {
  const headers = { authorization: `Bearer ${connection.user.token}` };
  const base = `/api/workspace/${connection.workspace}`;
  if (kind === 'list') {
    const { statusCode, body } = await connection.client.request({
      method: 'GET',
      path: `${base}/files`,
      headers,
    });
    await body.dump({ limit: Infinity });
    return statusCode;
  }
  connection.saves += 1;
  const content = `# save ${connection.saves}\n`.padEnd(SAVE_BYTES, 'x');
  const { statusCode, body } = await connection.client.request({
    method: 'POST',
    path: `${base}/file/bench/save.py`,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ content, baseVersion: connection.version }),
  });
  const reply = (await body.json()) as { version?: number };
  if (statusCode < 300 && reply.version !== undefined) connection.version = reply.version;
  return statusCode;
}

async function timed(connection: Connection, kind: Kind, from: number): Promise<Outcome> {
  try {
    const status = await send(connection, kind);
    return { ms: performance.now() - from, status };
  } catch {
    return { ms: performance.now() - from, status: 0 };
  }
}

/** Every connection sends back to back for `seconds`. */
async function closedLoop(connections: Connection[], kind: Kind, seconds: number) {
  const outcomes: Outcome[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    connections.map(async (connection) => {
      while (performance.now() < end)
        outcomes.push(await timed(connection, kind, performance.now()));
    }),
  );
  return outcomes;
}

/** `rate` requests a second for `seconds`, round-robin over the connections. */
async function openLoop(connections: Connection[], kind: Kind, seconds: number, rate: number) {
  const outcomes: Promise<Outcome>[] = [];
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  // Each connection's requests go one after another (HTTP/1.1 without pipelining): a
  // request due while its connection is busy waits, and that wait is part of its latency.
  const tails = connections.map(() => Promise.resolve());
  while (outcomes.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (outcomes.length < due) {
      const i = outcomes.length;
      const at = t0 + (i / rate) * 1000;
      const c = i % connections.length;
      const outcome = tails[c]!.then(() => timed(connections[c]!, kind, at));
      tails[c] = outcome.then(() => undefined);
      outcomes.push(outcome);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return Promise.all(outcomes);
}

interface Run {
  kind: Kind;
  loop: 'closed' | 'open';
  offered?: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  conflicts: number;
  serverCpu: number;
  /** The server's CPU time per answered request, ms: what contention on the host hides least. */
  cpuMsPerRequest: number;
  /** PostgreSQL transactions per request (each statement outside a transaction is one). */
  transactionsPerRequest: number;
}

/** Transactions committed or rolled back in the scratch database so far (PostgreSQL's counters lag by up to a second). */
async function transactions(database: pg.Client): Promise<number> {
  const { rows } = await database.query<{ n: number | string }>(
    'select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()',
  );
  return Number(rows[0]!.n);
}

async function measure(
  server: ServerProcess,
  database: pg.Client,
  connections: Connection[],
  kind: Kind,
  rate?: number,
): Promise<Run> {
  const load = (seconds: number) =>
    rate === undefined
      ? closedLoop(connections, kind, seconds)
      : openLoop(connections, kind, seconds, rate);
  await load(WARMUP_S);
  const cpu0 = server.cpuSeconds();
  const transactions0 = await transactions(database);
  const t0 = performance.now();
  const outcomes = await load(DURATION_S);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = (server.cpuSeconds() - cpu0) / elapsed;
  const transactionCount = (await transactions(database)) - transactions0 - 1;
  const ok = outcomes.filter((o) => o.status >= 200 && o.status < 300);
  const s = stats(outcomes.map((o) => o.ms));
  const run: Run = {
    kind,
    loop: rate === undefined ? 'closed' : 'open',
    ...(rate !== undefined && { offered: rate }),
    rps: ok.length / elapsed,
    p50: s.median,
    p99: s.p99,
    max: Math.max(...outcomes.map((o) => o.ms)),
    errors: outcomes.length - ok.length,
    conflicts: outcomes.filter((o) => o.status === 409).length,
    serverCpu: cpu,
    cpuMsPerRequest: ((cpu * elapsed) / Math.max(1, outcomes.length)) * 1000,
    transactionsPerRequest: transactionCount / Math.max(1, outcomes.length),
  };
  log(
    `${run.loop} ${kind}${rate ? ` @${Math.round(rate)}/s` : ''}: ${run.rps.toFixed(0)} req/s, ` +
      `p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, errors ${run.errors}, server CPU ${(cpu * 100).toFixed(0)}% (${run.cpuMsPerRequest.toFixed(2)} ms a request), ${run.transactionsPerRequest.toFixed(2)} database transactions a request`,
  );
  return run;
}

/** A workspace's tree: FILES small modules in a few packages (the listing's payload). */
async function seed(server: ServerProcess, user: LiveUser, workspace: string): Promise<void> {
  for (let i = 0; i < FILES; i++) {
    const path = `src/pkg${i % 5}/module_${i}.py`;
    const { status } = await server.api(user, 'POST', `/api/workspace/${workspace}/file/${path}`, {
      content: `def f${i}():\n    return ${i}\n`.repeat(20),
    });
    if (status >= 300) throw new Error(`seeding ${path}: ${status}`);
  }
}

/** Runs `work` on every item, `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width)
    results.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  return results;
}

try {
  const databaseUrl = await scratchDatabase('rest');
  const server = await startServerProcess('bench-rest', {
    env: {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      ...Object.fromEntries(
        values.env.map((pair): [string, string] => [
          pair.slice(0, pair.indexOf('=')),
          pair.slice(pair.indexOf('=') + 1),
        ]),
      ),
    },
    cpuProfDir: values['cpu-prof'],
  });
  log(`${CONNECTIONS} users, workspaces of ${FILES + 2} files…`);
  const connections = await inBatches(
    Array.from({ length: CONNECTIONS }, (_, i) => i),
    8,
    async (): Promise<Connection> => {
      const user = await server.registerUser('rest');
      const workspace = await server.createWorkspace(user);
      await seed(server, user, workspace);
      const client = new Client(server.baseUrl, { pipelining: 1, keepAliveTimeout: 60_000 });
      return { client, user, workspace, version: 0, saves: 0 };
    },
  );
  atExit(async () => {
    await Promise.all(connections.map((c) => c.client.close()));
  });
  const database = new pg.Client({ connectionString: databaseUrl });
  await database.connect();
  atExit(() => database.end());

  const closed: Run[] = [];
  for (let run = 0; run < RUNS; run++)
    for (const kind of ['list', 'save'] as const)
      closed.push(await measure(server, database, connections, kind));
  const median = (runs: Run[], pick: (run: Run) => number) => stats(runs.map(pick)).median;
  const rateOf = (kind: Kind) =>
    values.rate !== undefined
      ? Number(values.rate)
      : Number(values['rate-fraction']) *
        median(
          closed.filter((r) => r.kind === kind),
          (r) => r.rps,
        );
  const open: Run[] = [];
  for (let run = 0; run < RUNS; run++)
    for (const kind of ['list', 'save'] as const)
      open.push(await measure(server, database, connections, kind, rateOf(kind)));
  await server.stop();

  const rows = [...closed, ...open];
  const groups = (['closed', 'open'] as const).flatMap((loop) =>
    (['list', 'save'] as const).map((kind) => {
      const runs = rows.filter((r) => r.loop === loop && r.kind === kind);
      const spread = (pick: (run: Run) => number, digits: number) =>
        `${Math.min(...runs.map(pick)).toFixed(digits)}–${Math.max(...runs.map(pick)).toFixed(digits)}`;
      return {
        loop,
        kind,
        runs,
        offered: runs[0]?.offered,
        rps: median(runs, (r) => r.rps),
        p50: median(runs, (r) => r.p50),
        p99: median(runs, (r) => r.p99),
        rpsSpread: spread((r) => r.rps, 0),
        p99Spread: spread((r) => r.p99, 1),
        errors: runs.reduce((sum, r) => sum + r.errors, 0),
        conflicts: runs.reduce((sum, r) => sum + r.conflicts, 0),
        serverCpu: median(runs, (r) => r.serverCpu),
        cpuMsPerRequest: median(runs, (r) => r.cpuMsPerRequest),
        transactionsPerRequest: median(runs, (r) => r.transactionsPerRequest),
      };
    }),
  );
  console.log(JSON.stringify({ connections: CONNECTIONS, durationS: DURATION_S, groups }, null, 2));

  const name = { list: '`GET …/files` (tree listing)', save: '`POST …/file/…` (save, 2 KiB)' };
  const table = [
    '| Request | Load | Requests/s (spread) | p50 | p99 (spread) | Errors | Server CPU | Server CPU a request | DB transactions a request |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...groups.map(
      (g) =>
        `| ${name[g.kind]} | ${g.loop === 'closed' ? `closed loop, ${CONNECTIONS} connections` : `open loop, ${Math.round(g.offered!)}/s offered`} ` +
        `| ${g.rps.toFixed(0)} (${g.rpsSpread}) | ${g.p50.toFixed(1)} ms | ${g.p99.toFixed(1)} ms (${g.p99Spread}) ` +
        `| ${g.errors} | ${(g.serverCpu * 100).toFixed(0)}% | ${g.cpuMsPerRequest.toFixed(2)} ms | ${g.transactionsPerRequest.toFixed(2)} |`,
    ),
  ].join('\n');
  const command = `npx tsx bench/rest.ts --connections ${CONNECTIONS} --duration ${DURATION_S} --runs ${RUNS} --files ${FILES}${values.rate ? ` --rate ${values.rate}` : ` --rate-fraction ${values['rate-fraction']}`}${values.env.map((pair) => ` --env ${pair}`).join('')}`;
  const section = `## REST under concurrency

${CONNECTIONS} keep-alive connections (undici), each signed in as a user of its own with a
workspace of ${FILES + 2} files; the server in a process of its own on PostgreSQL (a scratch
database), logging at \`info\` as in production. Each figure is the median of ${RUNS} runs of
${DURATION_S} s (after ${WARMUP_S} s of warm-up); the spread is the lowest and highest run. The last
two columns are what contention on the host hides least: the server process's CPU time per
answered request, and PostgreSQL transactions per request (from \`pg_stat_database\`; a
statement outside a transaction counts as one).

Machine: ${machine()}. PostgreSQL and the load generator share the 2 cores with the server.
Command: \`${command}\` (as root: the server's cell manager is the real one).

${table}

**Two loads, two questions.** A closed loop of ${CONNECTIONS} connections keeps ${CONNECTIONS} requests in
the server at every moment, so by Little's law each waits connections ÷ throughput:
a p99 of 10 ms there needs at least ${CONNECTIONS} ÷ 0.010 s = ${(CONNECTIONS / 0.01).toLocaleString('en')}
requests/s, whatever the server does with them. The closed loop measures the throughput;
the open loop (requests at a fixed rate, ${values.rate ? `${values.rate}/s` : `${Number(values['rate-fraction']) * 100}% of the closed loop's median`},
round-robin over the same connections, latency counted from when a request was due) measures
the latency a user sees at a load the server can carry.

**Where the time goes.** Every request is a few PostgreSQL round trips, and the profile
(\`--cpu-prof\` of the server under the closed loop) is dominated by them rather than by
JavaScript: a third of the server's time is idle, waiting for PostgreSQL; about a fifth is
the \`writev\` system call that sends each statement (on a busy 2-core VM a write that wakes
another process is expensive); writing the HTTP responses is about 6%; Kysely building the
SQL about 5%, garbage collection 3%, node-postgres parsing rows 3%, zod's response
serialisation 1.5%, pino's request log lines 1–2% (plus their writes). A listing is the
token lookup and the workspace's owner (both remembered for \`AUTH_CACHE_SECONDS\`, see
below) and the listing; a save is one statement that does the whole write (below) and
waits for its commit's WAL flush.

**Fixed: the workspace's owner looked up on every request** (issue 17, 12-05). Every
workspace route loaded the workspace's row to check the caller owns it: one statement
before every listing and save. A workspace never changes owner and its id is never reused,
so the routes that read and write files and search now remember its owner for
\`AUTH_CACHE_SECONDS\` (\`WorkspaceService.owned\`); a deletion forgets it at once on its
server and within that time on the others, whose statements meanwhile refuse a save to the
deleted workspace or find it empty. Routes that may start a cell or change the workspace
still read the row. The same command with \`--no-docs\`, alternating the commit before
(d655588) and this one on the same host, two rounds, then one round each with
\`--rate 200\` (the host was slow and drifting: the listing did 1,007–1,191/s before and
1,204–1,643/s after):

| Request         | Load             | Before: requests/s, p50, p99 (two rounds)                  | After: requests/s, p50, p99 (two rounds)                   | Server CPU a request, before → after | DB transactions a request, before → after |
| --------------- | ---------------- | ---------------------------------------------------------- | ---------------------------------------------------------- | ------------------------------------ | ----------------------------------------- |
| \`GET …/files\`   | closed loop      | 1,099, 177.3 ms, 298.9 ms; 1,007, 194.6 ms, 338.3 ms       | 1,204, 157.7 ms, 324.5 ms; 1,643, 113.8 ms, 249.4 ms       | 0.87, 0.98 → 0.77, 0.59 ms           | 2.01 → 1.03                               |
| \`POST …/file/…\` | closed loop      | 655, 301.6 ms, 464.6 ms; 579, 340.5 ms, 528.0 ms           | 642, 297.9 ms, 852.8 ms; 832, 227.8 ms, 670.1 ms           | 0.85, 0.96 → 0.79, 0.61 ms           | 2.29 → 1.28                               |
| \`GET …/files\`   | open loop, 200/s | 3.1 ms, 26.5 ms                                            | 2.5 ms, 18.9 ms                                            | 1.80 → 1.50 ms                       | 2.19 → 1.23                               |
| \`POST …/file/…\` | open loop, 200/s | 5.2 ms, 56.3 ms                                            | 3.8 ms, 28.0 ms                                            | 1.84 → 1.35 ms                       | 3.16 → 2.12                               |

One statement fewer a request is certain (the transactions column), and the server's CPU
a request fell in every pair. Throughput rose in three of four pairs, within this host's
drift. At 200 requests/s the medians fell by a fifth to a quarter and the p99s by a third
to a half. One thing moved the other way in every closed-loop pair: the save's p99 (464.6
and 528.0 → 852.8 and 670.1 ms) while its median fell; with 200 saves always waiting, a
save no longer queues twice for the database pool, and which save waits longest changed. It
is not what a user at a load the server carries sees (the open loops), and was left.

**Fixed: a save in one statement** (issue 17, "the save path", 12-05). The save's
transaction was 7 statements (lock the workspace row, parent folders when the path has
any, lock the file row, the workspace's size, the \`WITH\` that kept the revision, pruned
and updated the file, the owner's quota, the commit), and its pruning applied the whole
retention schedule. Now one statement, \`workcell_write_file\` (a PL/pgSQL function,
migration 0012), does all of it in the database's own transaction and prunes only beyond
\`REVISIONS_PER_FILE\` (the sweep applies the schedule); a save whose owner is short of
quota falls back to a transaction that first forgets their oldest revisions. The same
command with \`--no-docs\` on the commit before this session (b8737ca), then this table's
run, back to back:

| Request         | Load        | Before: requests/s (spread), p50, p99 | Before: server CPU a request | After: requests/s (spread), p50, p99 | After: server CPU a request |
| --------------- | ----------- | ------------------------------------- | ---------------------------- | ------------------------------------ | --------------------------- |
| \`POST …/file/…\` | closed loop | 421 (399–442), 463.3 ms, 734.2 ms     | 1.44 ms                      | 808 (742–853), 245.0 ms, 391.3 ms    | 0.64 ms                     |
| \`POST …/file/…\` | open loop   | 252/s offered: 4.5 ms, 48.6 ms        | 1.56 ms                      | 485/s offered: 3.6 ms, 56.4 ms       | 0.90 ms                     |
| \`GET …/files\`   | closed loop | 1571 (1385–1706), 121.0 ms, 222.0 ms  | 0.63 ms                      | 1590 (1355–1732), 120.4 ms, 243.3 ms | 0.62 ms                     |

The save's throughput nearly doubled and its server CPU fell by more than half, well
outside both spreads; the listing, which this does not touch, stayed within its spread.
This host was slower that day than in the runs below (the listing 1,571 against 2,187).

**Fixed: a save's revision, pruning and update in one statement** (issue 17, "the save
path"). They were three statements, and the owner's charge a fourth when pruning freed
room; now one \`WITH\` statement copies the old content into a revision, deletes what the
schedule lets go (counting the revision being kept, \`prunableOnceKept\`) and updates the
file, all in one snapshot, and the owner is charged once with the net change. Counted by
wrapping node-postgres's \`query\` around 20 overwrites: 10.05 → 8.05 statements a save
(with the ownership lookup outside the transaction). The same command with \`--no-docs\`,
the commit before (700a366) and then this one, back to back on a quiet host:

| Request         | Load        | Before: requests/s (spread), p50, p99 | Before: server CPU a request | After: requests/s (spread), p50, p99 | After: server CPU a request |
| --------------- | ----------- | ------------------------------------- | ---------------------------- | ------------------------------------ | --------------------------- |
| \`POST …/file/…\` | closed loop | 501 (495–514), 387.2 ms, 639.8 ms     | 1.36 ms                      | 571 (551–574), 343.9 ms, 551.8 ms    | 1.06 ms                     |
| \`GET …/files\`   | closed loop | 2056 (1975–2100), 94.4 ms, 163.1 ms   | 0.48 ms                      | 2187 (2030–2192), 89.6 ms, 162.3 ms  | 0.46 ms                     |

The save's throughput rose 14% and its server CPU fell 22%, outside both runs' spreads;
the listing, which this does not touch, moved within its spread.

**Fixed: the token lookup on every request.** Each request looked its bearer token up in
PostgreSQL (with the user), a third of a listing's statements. The server now remembers a
signed-in token for \`AUTH_CACHE_SECONDS\` (10 s, at most 10,000 tokens). Revocation stays
immediate where it is made: sign-out, a password change (the other sessions) and an admin
change forget the affected tokens on that server before answering, and a lookup that
overlapped such a change is not remembered; another server process (a replica, the CLI)
sees it within the cache time. Expiry is honoured too (a token is never remembered past
its \`expires_at\`). The same command on the commit before (one run of each), measured right after a
run of the current code on the same busy host (load average 10–20):

| Request         | Load             | Before: requests/s, p50, p99 | Before: DB transactions a request | After (same host, same time): DB transactions a request |
| --------------- | ---------------- | ---------------------------- | --------------------------------- | ---------------------------------------------- |
| \`GET …/files\`   | closed loop      | 477, 321.8 ms, 1,119.6 ms    | 3.14                              | 2.06                                           |
| \`POST …/file/…\` | closed loop      | 214, 703.2 ms, 1,939.9 ms    | 2.95                              | 2.08                                           |
| \`GET …/files\`   | open loop, 286/s | 286, 15.9 ms, 501.5 ms       | 3.12                              | 2.12                                           |
| \`POST …/file/…\` | open loop, 128/s | 128, 27.7 ms, 769.0 ms       | 2.95                              | 2.37                                           |

One database round trip fewer per request is certain (3 → 2 for a listing, 11 → 10
statements for a save); the throughput and latency differences are within this host's
run-to-run spread (2–5× between runs of the same command, see the spread columns), so
they show nothing either way. The transactions a request stay a little above 2 because
each token is looked up again every 10 s (200 tokens: 20 lookups a second) and its expiry
slides once a minute.

**Target (p99 ≤ 10 ms at 200 connections): missed.** In the closed loop it cannot be met
below 20,000 requests/s (Little's law, above): at about 0.45 ms of server CPU per listing
one Node process does at most about 2,200 listings/s per core, and this host has 2 cores
shared with PostgreSQL and the load generator. In the open loop at 60% of saturation the
medians are about 2 ms (listing) and 5 ms (save), and the p99s tens of milliseconds: the
server process is then about 45–70% busy, and a request that arrives behind others waits.
At 200 requests/s offered — one a second on each connection, like 200 users clicking — the
same command with \`--rate 200\` (3 runs, quiet machine, before the one-statement save)
gave: listing p50 2.9 ms, p99 12.4 ms (8.8–14.6); save p50 5.1 ms, p99 32.9 ms
(19.0–33.1); no errors. On 12-05's slower host, after the owner was remembered: listing
p50 2.5 ms, p99 18.9 ms; save p50 3.8 ms, p99 28.0 ms (the table above). A save's p99 is
its commit's WAL flush; a listing's is a request queued behind a save's work in the one
server process.

**Measured: two server processes** (issue 17, "more than one core", 12-05).
\`SERVER_PROCESSES=2\` forks a worker beside the primary and deals connections out in
turn (\`docs/architecture.md\`, "Server processes"). The same command with \`--no-docs\`
and \`--env SERVER_PROCESSES=1\` or \`2\`, alternating, two rounds each, twice (the second
time after a worker stopped asking the primary about workspaces without a running cell),
on a slow 2-core EPYC VM (a bare \`node -e 0\` took 90–140 ms there); medians of 3 runs:

| Request         | Load                     | 1 process: requests/s (four rounds) | 2 processes: requests/s (four rounds) | 1 process: p99 (four rounds)    | 2 processes: p99 (four rounds) |
| --------------- | ------------------------ | ----------------------------------- | ------------------------------------- | ------------------------------- | ------------------------------ |
| \`GET …/files\`   | closed loop              | 1,789, 1,859, 1,640, 1,146          | 1,962, 1,639, 1,970, 1,894            | 287.8, 225.4, 260.3, 412.5 ms   | 214.4, 276.1, 238.9, 228.1 ms  |
| \`POST …/file/…\` | closed loop              | 618, 892, 763, 512                  | 862, 779, 780, 854                    | 971.4, 614.7, 729.3, 1,075.2 ms | 529.4, 645.5, 647.3, 623.8 ms  |
| \`GET …/files\`   | open loop, 60% of closed | p50 2.0, 2.0, 2.1, 3.4 ms           | p50 2.2, 2.0, 139.9, 2.8 ms           | 37.6, 48.8, 39.3, 79.0 ms       | 79.9, 61.0, 717.0, 96.6 ms     |
| \`POST …/file/…\` | open loop, 60% of closed | p50 3.3, 5.3, 5.0, 4.3 ms           | p50 6.4, 8.4, 36.4, 8.4 ms            | 39.2, 52.1, 48.1, 50.2 ms       | 86.3, 110.1, 190.5, 94.1 ms    |

On this host it does not pay. The closed-loop throughput rose by about a tenth (medians
of the four rounds: listings 1,715 → 1,928/s, saves 690 → 806/s), within the host's drift
between rounds (and with it the closed loop's p99s fell, as Little's law says they
must); the server's processes together used 110–115% of a core against 100%, and
the rest of the 2 cores went to PostgreSQL and the load generator, which were already
short of CPU. The open loop, at 60% of a throughput that was itself higher, got worse: its
p99s doubled, and one run fell behind its schedule (p50 139.9 ms). The server's CPU a
request did not fall (0.55–0.80 ms for a listing either way). With the cores this VM has,
nothing is idle for a second process to use; \`SERVER_PROCESSES\` stays 1 by default and
is for hosts with cores to spare (a dedicated database, more vCPUs), where each worker adds
a core's worth of listings and saves that the primary no longer serves.

What would bring the p99 to 10 ms, in order of effect:

1. More cores for more server processes (\`SERVER_PROCESSES\`, above; or replicas behind the
   proxy): on 2 shared cores they do not pay, and 20,000 requests/s closed-loop needs about
   16 server cores at today's cost; on 2 cores, less CPU a request (the listing's 0.6 ms is
   mostly PostgreSQL's round trip and the HTTP response, see the profile above).
2. \`synchronous_commit\` is PostgreSQL's: every save waits for a WAL flush; a larger pool
   (\`DATABASE_POOL_SIZE\`, 10) lets more saves share one flush. On this host 10 and 30
   measured the same within the noise.
`;
  console.log(`\n${section}`);
  if (!values['no-docs']) await writeSection('## REST under concurrency', section);
} finally {
  await runCleanups();
}
