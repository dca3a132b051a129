/**
 * Flow control end to end: a program flooding its terminal must not grow the server's
 * memory, must leave the terminal answering (Ctrl+C, the next command), and a client
 * that stops acknowledging output must stall the program rather than buffer for it.
 *
 * Bounds: the agent stops reading a PTY once PTY_FLOW_WINDOW_BYTES (256 KiB) of its
 * output are unacknowledged, and the server acknowledges to the agent only what the
 * client has acknowledged. So whatever the flood's size, what the server holds for a
 * terminal — output sent to the client and not acknowledged ("in flight") — stays under
 * one window plus one 64 KiB batch of the agent's; we allow the window + 128 KiB (+ 256
 * KiB when the client stops acking, as the PTY may deliver a last large read). Server
 * socket buffers stay under 2 MiB. The process's RSS (server, PGlite and this client
 * share it) is checked only loosely, at 64 MiB: the flood is CPU-bound in the cell (0.5
 * core) at a few MiB/s, so within a test's time it is not large enough to tell buffering
 * from GC noise by RSS alone — the in-flight bound is the sharp one.
 */
import { PTY_FLOW_WINDOW_BYTES } from '@workcell/protocol/agent';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { waitFor } from '../test-support/wait';
import { marker, WsClient } from '../test-support/ws-client';

const MiB = 1024 * 1024;
let server: LiveServer;
let user: LiveUser;
let workspace: string;

const serverSocketBacklog = () => server.socketBacklog();

/** The terminal service's routing state of a terminal (internals, read for the bound). */
interface RoutedTerminal {
  sentChars: number;
  sinks: Map<unknown, { ackedChars: number }>;
}

/** Output characters the server sent towards clients that they have not acknowledged. */
function serverInFlightChars(terminalId: string): number {
  const cell = server.services.cells.get(workspace);
  if (!cell) return 0;
  const routing = cell.attachment('terminals', () => {
    throw new Error('the cell has no terminals');
  }) as unknown as { terminals: Map<string, RoutedTerminal> };
  const terminal = routing.terminals.get(terminalId);
  if (!terminal) return 0;
  const acked = Math.min(...[...terminal.sinks.values()].map((sink) => sink.ackedChars));
  return terminal.sentChars - acked;
}

beforeAll(async () => {
  server = await startLiveServer('ws-flow');
  user = await server.registerUser('flow');
  workspace = await server.createWorkspace(user);
});

afterAll(async () => {
  await server?.close();
});

it(
  'a flood (`yes`) keeps server memory bounded, and Ctrl+C and the next command answer',
  { timeout: 120_000 },
  async () => {
    const client = await server.connect(user);
    // Acks as soon as output arrives: the fastest client, so the flood is as big as it gets.
    const terminal = await client.open(workspace, { render: false });
    await WsClient.prompt(terminal);
    await terminal.run('true');

    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let backlogPeak = 0;
    let inFlightPeak = 0;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      backlogPeak = Math.max(backlogPeak, serverSocketBacklog());
      inFlightPeak = Math.max(inFlightPeak, serverInFlightChars(terminal.id));
    }, 5);
    try {
      const start = terminal.mark();
      const floodStarted = Date.now();
      terminal.type('yes');
      // Several seconds of flood, and at least 16 windows' worth through the whole stack.
      await waitFor(
        () =>
          Date.now() - floodStarted > 5_000 &&
          terminal.receivedChars - start > 16 * PTY_FLOW_WINDOW_BYTES,
        'several seconds of `yes`',
        90_000,
      );
      const flooded = terminal.receivedChars - start;
      const interrupted = terminal.mark();
      terminal.input('\x03');
      const after = marker('after');
      terminal.type(after.command);
      await terminal.waitForText(after.text, interrupted, 30_000);
      // Ctrl+C was not queued behind the flood: at most about a window came after it.
      const tail = terminal.receivedChars - interrupted;

      console.log(
        `flood: ${(flooded / MiB).toFixed(1)} MiB through the terminal; after Ctrl+C ${(tail / 1024).toFixed(0)} KiB; ` +
          `server in flight peak ${(inFlightPeak / 1024).toFixed(0)} KiB; socket backlog peak ${(backlogPeak / 1024).toFixed(0)} KiB; ` +
          `RSS +${((rssPeak - rssBefore) / MiB).toFixed(1)} MiB`,
      );
      expect(tail).toBeLessThan(4 * PTY_FLOW_WINDOW_BYTES);
      expect(inFlightPeak).toBeGreaterThan(0);
      expect(inFlightPeak).toBeLessThan(PTY_FLOW_WINDOW_BYTES + 128 * 1024);
      expect(backlogPeak).toBeLessThan(2 * MiB);
      expect(rssPeak - rssBefore).toBeLessThan(64 * MiB);
    } finally {
      clearInterval(sampler);
    }
    expect(await terminal.run('echo "still $((20 + 1))"')).toBe('still 21\n');
  },
);

it(
  'a client that never acks stalls the program at the window; acking resumes it',
  { timeout: 120_000 },
  async () => {
    const client = await server.connect(user);
    const terminal = await client.open(workspace, { render: false, autoAck: false });
    await WsClient.prompt(terminal);
    const done = marker('done');
    const from = terminal.mark();
    // 8 MiB of output, then a marker: the marker appears only if all of it got through.
    terminal.type(`head -c 8388608 /dev/zero | tr '\\0' 'z' | fold -w 100; ${done.command}`);
    await waitFor(
      () => terminal.receivedChars - from > PTY_FLOW_WINDOW_BYTES / 2,
      'the first window of output',
    );
    // Stalled: nothing more arrives for 3 s (polled), far below the 8 MiB on their way.
    let last = terminal.receivedChars;
    let quietSince = Date.now();
    await waitFor(
      () => {
        if (terminal.receivedChars !== last) {
          last = terminal.receivedChars;
          quietSince = Date.now();
        }
        return Date.now() - quietSince > 3_000;
      },
      'the output to stall',
      60_000,
    );
    const stalledAt = terminal.receivedChars - from;
    expect(stalledAt).toBeLessThan(PTY_FLOW_WINDOW_BYTES + 256 * 1024);
    expect(terminal.textSince(from)).not.toContain(done.text);
    // What the server holds for the client is that one window, not the 8 MiB.
    expect(serverInFlightChars(terminal.id)).toBeLessThan(PTY_FLOW_WINDOW_BYTES + 256 * 1024);
    expect(serverSocketBacklog()).toBeLessThan(MiB);

    // Acking (as a client that caught up does) lets the rest through.
    terminal.autoAck = true;
    terminal.ackAll();
    await terminal.waitForText(done.text, from, 90_000);
    expect(terminal.receivedChars - from).toBeGreaterThan(8 * MiB);
  },
);
