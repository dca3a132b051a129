/**
 * The Python language server (pyright in a real cell) through the LSP route, as the
 * browser uses it. Needs root, like the cells.
 *
 *   npx tsx bench/lsp.ts [--requests 50] [--no-docs]
 *
 * Measures:
 * - cold start: from the socket opening (cell already running) to the first diagnostics;
 * - completion latency, warm: `import numpy as np\nnp.` and `import os\nos.pa`, each
 *   request after a one-character edit (didChange), as typing does;
 * - the resident memory of the pyright process in the cell (VmRSS from /proc), after the
 *   completions (numpy's stubs loaded).
 * Prints a table and writes the "## Python language server" section of docs/performance.md.
 */
import { parseArgs } from 'node:util';

import { startLiveServer } from '../packages/server/src/test-support/live-server';
import { LspClient } from '../packages/server/src/test-support/lsp-client';
import { machine, stats, writeSection } from './report';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '50' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(values.requests);
const MiB = 1024 * 1024;

const server = await startLiveServer('bench-lsp');
try {
  const user = await server.registerUser('bench');
  const workspace = await server.createWorkspace(user);
  const cell = await server.services.cells.ensure(workspace, user.id);

  const coldStart = performance.now();
  const client = await LspClient.connect(server, user, workspace);
  await client.initialize();
  const first = client.open('warmup.py', 'import os\nprint(undefined_name)\n');
  await client.diagnostics(first, (d) => d.length > 0, 'the first diagnostics');
  const cold = performance.now() - coldStart;

  async function completions(path: string, line0: string, prefix: string): Promise<number[]> {
    const uri = client.open(path, `${line0}\n${prefix}`);
    const times: number[] = [];
    for (let i = 0; i < REQUESTS + 5; i++) {
      // Alternate a trailing space in and out on line 0, so each request follows an edit.
      const text = `${line0}${i % 2 ? ' ' : ''}\n${prefix}`;
      client.notify('textDocument/didChange', {
        textDocument: { uri, version: i + 2 },
        contentChanges: [{ text }],
      });
      const start = performance.now();
      const result = (await client.request('textDocument/completion', {
        textDocument: { uri },
        position: { line: 1, character: prefix.length },
      })) as { items: unknown[] };
      if (result.items.length === 0) throw new Error(`no completions for ${prefix}`);
      if (i >= 5) times.push(performance.now() - start); // the first few warm it up
    }
    return times;
  }
  const numpy = stats(await completions('np_bench.py', 'import numpy as np', 'np.'));
  const os = stats(await completions('os_bench.py', 'import os', 'os.pa'));

  const { body } = await cell.agent.request({
    op: 'exec.run',
    execId: 'rss',
    argv: [
      '/bin/sh',
      '-c',
      'for p in $(pgrep -f langserver.index.js); do grep VmRSS /proc/$p/status; done',
    ],
    timeoutMs: 5000,
    maxOutputBytes: 10_000,
  });
  const rss = [...body.toString().matchAll(/VmRSS:\s+(\d+) kB/g)].map((m) => Number(m[1]) * 1024);
  await client.close();

  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const rows = [
    ['cold start (socket open → first diagnostics, cell running)', ms(cold), ''],
    [`completion \`np.\` (numpy), warm, ${numpy.n} requests`, ms(numpy.median), ms(numpy.p95)],
    [`completion \`os.pa\`, warm, ${os.n} requests`, ms(os.median), ms(os.p95)],
    ['pyright RSS in the cell (VmRSS)', `${(Math.max(...rss) / MiB).toFixed(0)} MiB`, ''],
  ];
  const table = [
    '| What | Median | p95 |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  console.log(table);
  const section = `## Python language server

Measured with \`npx tsx bench/lsp.ts --requests ${REQUESTS}\`: pyright 1.1.414 in a real cell
(default limits), driven through \`/api/workspace/:uuid/lsp\` as the browser drives it; every
completion follows a one-character edit.

${table}

The cold start runs under the cell's CPU quota (\`CELL_CPU_CORES\`, 0.5 core by default):
pyright parses the builtins and typeshed stubs at half a core, hence several times the
1–1.5 s it takes unconfined (notes/web-toolchain.md §5); it includes probing the cell for a
\`.venv\`. Warm completion is what typing costs.

The RSS counts against the workspace's memory limit (\`CELL_MEMORY_MIB\`, 512 MiB by
default), not the host's free memory: a workspace with an editor open needs about that much
more than its user code, and one with two tabs (the most: a third closes the oldest) twice
that. An idle server (its last tab closed) stays up for \`LSP_IDLE_MINUTES\`.

Machine: ${machine()}.
`;
  if (!values['no-docs']) await writeSection('## Python language server', section);
} finally {
  await server.close();
}
