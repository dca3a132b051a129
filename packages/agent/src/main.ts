/**
 * Entry point of the agent inside a cell: reads its settings, opens the channel (fd 3 by
 * default, so the sandbox's pid 1 holds nothing worth taking; notes/sandbox.md §9),
 * announces itself and serves frames until the server goes away or asks it to stop.
 *
 * A listening agent (a pod's) serves connections instead, one at a time, and outlives
 * each; its descriptor, if any, only says it is still wanted: it is told `ready` there and
 * stops when that ends, as a local cell's agent stops with its channel.
 */
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

import { AGENT_PROTOCOL_VERSION, encodeFrame, type AgentEvent } from '@workcell/protocol/agent';
import { en } from 'zod/locales';
import { config } from 'zod/mini';

import { Agent } from './agent';
import { Channel } from './channel';
import type { Connection } from './connection';
import { listen } from './listener';
import { log } from './log';
import { readSettings } from './settings';
import { startupTimes } from './startup';

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

function start<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    log(`${what}: ${describe(error)}`);
    process.exit(2);
  }
}

// zod/mini, which the agent uses for its small size, says only "Invalid input" without a locale.
config(en());

const settings = start('bad settings', () =>
  readSettings(process.env, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }),
);
const { channel: fd } = settings;
const descriptor =
  fd === 'none'
    ? undefined
    : start(`no channel on fd ${fd}`, () => {
        if (fd === 'stdio') return { input: process.stdin, output: process.stdout };
        const socket = new Socket({ fd, readable: true, writable: true });
        return { input: socket, output: socket };
      });

/** Flushes what was sent before the agent exits. */
let flush = () => Promise.resolve();
let stopping = false;
const stop = (code: number) => {
  if (stopping) return;
  stopping = true;
  agent.dispose();
  void flush().finally(() => process.exit(code));
};
const agent = new Agent(settings, () => stop(0));

/** Said on every channel, the same each time: the start-up times are the process's. */
let ready: AgentEvent | undefined;
const readyEvent = () =>
  (ready ??= {
    ev: 'ready',
    version: AGENT_PROTOCOL_VERSION,
    pid: process.pid,
    startup: startupTimes(),
  });

/** Serves a stream as the agent's connection, replacing any other, from `ready` on. */
function serve(
  input: Readable,
  output: Writable,
  lost: { fatal: () => void; end: () => void },
): { channel: Channel; connection: Connection } {
  const channel = new Channel(input, output, {
    frame: (frame) => connection.handle(frame),
    fatal: (error) => {
      // A length beyond the limits: the stream cannot be resynchronised.
      log(`dropping the channel: ${error.message}`);
      lost.fatal();
    },
    end: lost.end,
  });
  const connection = agent.connect((header, body) => channel.send(header, body));
  channel.send(readyEvent());
  if (settings.preloadTerminals) {
    agent.ptys.get().catch((error: unknown) => log(`loading the terminals: ${describe(error)}`));
  }
  return { channel, connection };
}

if (settings.listen) {
  const { address, token } = settings.listen;
  listen(address, token, (socket) => {
    const { connection } = serve(socket, socket, {
      fatal: () => socket.destroy(),
      end: () => socket.destroy(),
    });
    socket.on('close', () => connection.dispose());
  }).then(
    (listener) => {
      flush = listener.close;
      if (!descriptor) return;
      descriptor.output.on('error', () => stop(0));
      descriptor.output.write(encodeFrame(readyEvent()));
      // Nothing on it is for the agent; read, so whoever holds it never blocks.
      descriptor.input.on('data', () => undefined);
      descriptor.input.on('end', () => stop(0));
      descriptor.input.on('error', () => stop(0));
    },
    (error: unknown) => {
      log(`cannot listen: ${describe(error)}`);
      process.exit(2);
    },
  );
} else if (descriptor) {
  const { channel } = serve(descriptor.input, descriptor.output, {
    // The server restarts the cell.
    fatal: () => {
      agent.dispose();
      process.exit(1);
    },
    end: () => stop(0),
  });
  flush = () => channel.close();
}

process.on('uncaughtException', (error) => {
  // A bug must not take every terminal of the workspace down with it.
  log(`unexpected error: ${error.stack ?? error.message}`);
  try {
    const message = `agent error: ${error.message}`.slice(0, 4096);
    agent.send({ ev: 'error', error: { code: 'INTERNAL', message } });
  } catch {
    // The channel itself failed; the log has the error.
  }
});
process.on('unhandledRejection', (reason) => log(`unhandled rejection: ${describe(reason)}`));
for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(signal, () => stop(0));
