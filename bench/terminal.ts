/**
 * Terminals and file sync through the whole stack: a listening server (PGlite, real
 * cells), WebSocket clients that ack output as a browser does. Needs root, like the cells.
 *
 *   npx tsx bench/terminal.ts [--samples 300] [--terminals 50] [--no-docs]
 *
 * Measures, each as median and p99:
 * - keystroke echo: a key typed into bash (readline) until its echo arrives; WS → server
 *   → agent → PTY → bash → PTY → agent → server → WS.
 * - bulk output: `head -c 6000000 /dev/urandom | base64 -w 100` (8.1 MB) into a terminal
 *   whose client acks each output message as it arrives; MB/s of terminal output.
 * - save → visible in the cell: POST of a file (the editor's save) until the agent's
 *   fs.read in the cell returns the new content (polled back to back from the server;
 *   a shell loop in the cell would add its own fork-and-cat granularity).
 * - terminal write → file.changed: Enter on `echo N > file` until a second socket watching
 *   the workspace gets file.changed for it.
 * - echo with N terminals open at once (spread over workspaces: at most 32 PTYs per
 *   cell, 256 pids), keystrokes round-robin over all of them.
 * Prints a table and writes the "## Terminals and file sync" section of
 * docs/performance.md (other sections are kept).
 */
import { parseArgs } from 'node:util';

import { machine, stats, writeSection } from './report';
import { startLiveServer, type LiveUser } from '../packages/server/src/test-support/live-server';
import { marker, WsClient, type TerminalView } from '../packages/server/src/test-support/ws-client';
import { waitFor } from '../packages/server/src/test-support/wait';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '300' },
    terminals: { type: 'string', default: '50' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const SAMPLES = Number(values.samples);
const TERMINALS = Number(values.terminals);
const PER_CELL = 25;
const BULK_RUNS = 5;
const SYNC_SAMPLES = 40;

/** Types `key` and resolves with the ms until the terminal's next output. */
function keystroke(terminal: TerminalView, key: string): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const off = terminal.onOutput(() => {
      off();
      resolve(performance.now() - t0);
    });
    terminal.input(key);
  });
}

/** Keystrokes into bash, alternating a letter and a backspace so the line stays empty. */
async function echoSamples(terminals: TerminalView[], count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const terminal = terminals[i % terminals.length]!;
    const letter = Math.floor(i / terminals.length) % 2 === 0;
    samples.push(await keystroke(terminal, letter ? 'a' : '\x7f'));
  }
  return samples;
}

const log = (text: string) => process.stderr.write(`${text}\n`);

const server = await startLiveServer('bench-terminal', {
  CELL_MAX_PER_USER: String(Math.ceil(TERMINALS / PER_CELL) + 1),
});
const clients: WsClient[] = [];
const connect = async (user: LiveUser) => {
  const client = await WsClient.connect(server.wsUrl, { token: user.token });
  clients.push(client);
  return client;
};

try {
  const user = await server.registerUser('bench');
  const workspace = await server.createWorkspace(user);
  const client = await connect(user);
  const terminal = await client.open(workspace, { render: false });
  await WsClient.prompt(terminal);
  await terminal.run('true');

  log('keystroke echo…');
  await echoSamples([terminal], 20); // warm-up
  const echo = await echoSamples([terminal], SAMPLES);

  log('bulk output…');
  const bulk: number[] = [];
  for (let run = 0; run < BULK_RUNS; run++) {
    const done = marker('bulk');
    const from = terminal.mark();
    const t0 = performance.now();
    terminal.type(`head -c 6000000 /dev/urandom | base64 -w 100; ${done.command}`);
    await terminal.waitForText(done.text, from, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    bulk.push((terminal.receivedChars - from) / 1e6 / seconds);
  }

  log('save → visible in the cell…');
  const cell = server.services.cells.get(workspace)!;
  const saveToCell: number[] = [];
  const saveResponse: number[] = [];
  for (let i = 0; i < SYNC_SAMPLES; i++) {
    const content = `saved ${i} ${Date.now()}\n`;
    const t0 = performance.now();
    const response = await server.api(user, 'POST', `/api/workspace/${workspace}/file/saved.txt`, {
      content,
    });
    if (response.status >= 300) throw new Error(`save failed: ${response.status}`);
    saveResponse.push(performance.now() - t0);
    await waitFor(
      async () => {
        const read = await cell.agent
          .request({ op: 'fs.read', path: 'saved.txt', maxBytes: 1024 })
          .catch(() => undefined);
        return read?.body.toString('utf8') === content;
      },
      'the save in the cell',
      30_000,
      0,
    );
    saveToCell.push(performance.now() - t0);
    // Let the cell's watch report the write and the sync settle before the next save.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  log('terminal write → file.changed on a second socket…');
  const watcher = await connect(user);
  const watching = watcher.mark();
  watcher.send({ type: 'workspace.watch', workspace });
  await watcher.next('cell.status', () => true, watching);
  const writeToEvent: number[] = [];
  for (let i = 0; i < SYNC_SAMPLES; i++) {
    const from = watcher.mark();
    const t0 = performance.now();
    terminal.type(`echo ${i} > written.txt`);
    await watcher.next('file.changed', (m) => m.path === 'written.txt', from, 30_000, 0);
    writeToEvent.push(performance.now() - t0);
  }

  log(`${TERMINALS} terminals…`);
  const many: TerminalView[] = [terminal];
  const workspaces = [workspace];
  for (let w = 1; w < Math.ceil(TERMINALS / PER_CELL); w++)
    workspaces.push(await server.createWorkspace(user, `bench ${w}`));
  const sockets = [client, ...(await Promise.all([1, 2, 3, 4].map(() => connect(user))))];
  for (let i = 1; i < TERMINALS; i++) {
    const socket = sockets[i % sockets.length]!;
    const opened = await socket.open(workspaces[Math.floor(i / PER_CELL)]!, { render: false });
    await WsClient.prompt(opened);
    many.push(opened);
  }
  await echoSamples(many, many.length); // warm-up: one key each
  const echoMany = await echoSamples(many, SAMPLES);

  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const rows: [string, ReturnType<typeof stats>, (x: number) => string][] = [
    ['keystroke echo round trip (1 terminal)', stats(echo), ms],
    [`keystroke echo round trip (${TERMINALS} terminals open)`, stats(echoMany), ms],
    ['bulk output (client acks as it receives)', stats(bulk, true), (x) => `${x.toFixed(2)} MB/s`],
    ['save: POST response (committed)', stats(saveResponse), ms],
    ['save → visible in the cell', stats(saveToCell), ms],
    ['terminal write → file.changed on a second socket', stats(writeToEvent), ms],
  ];
  const table = [
    '| Measure | Samples | Median | p99 |',
    '| --- | --- | --- | --- |',
    ...rows.map(([name, s, unit]) => `| ${name} | ${s.n} | ${unit(s.median)} | ${unit(s.p99)} |`),
  ].join('\n');
  const cells = Math.ceil(TERMINALS / PER_CELL);
  const section = `## Terminals and file sync

Through the whole stack: a server listening on loopback (PGlite), real cells with the
default limits (0.5 core with a 10 ms period, 512 MiB, 256 pids), and WebSocket clients
that ack terminal output as they receive it.

- **Keystroke echo**: a key typed into bash's readline (a letter, then a backspace, so
  the line stays empty) until its echo arrives: WS → server → agent → PTY → bash and
  back. With ${TERMINALS} terminals: ${cells} cells of ${PER_CELL} terminals (a cell has at most 32 PTYs and
  256 pids), on ${sockets.length} sockets, keys round-robin over all of them.
- **Bulk output**: \`head -c 6000000 /dev/urandom | base64 -w 100\` (8.1 MB of terminal
  output), ${BULK_RUNS} runs; for a rate the p99 is the slow end. The cell's half core is the
  limit: the agent's headless xterm parses every byte there (the screen that a reattach
  restores), besides the PTY, \`base64\` and framing.
- **Save → visible in the cell**: from the POST of a file (the editor's save) until the
  agent's \`fs.read\` in the cell returns the new content, one save every 250 ms or so.
- **Terminal write → file.changed**: from the Enter of \`echo N > file\` until a second
  socket watching the workspace hears \`file.changed\`; the agent's watch waits for 50 ms
  of quiet and the server's sync for 30 ms, to batch a program's writes.

Machine: ${machine()}.
Command: \`npx tsx bench/terminal.ts --samples ${SAMPLES} --terminals ${TERMINALS}\` (as root).

${table}
`;
  console.log(`\n${section}`);
  if (!values['no-docs']) await writeSection('## Terminals and file sync', section);
} finally {
  for (const client of clients) await client.close().catch(() => undefined);
  await server.close();
}
