/**
 * Entry point of the agent inside a cell: reads its settings, opens the channel (fd 3 by
 * default, so the sandbox's pid 1 holds nothing worth taking; notes/sandbox.md §9),
 * announces itself and serves frames until the server goes away or asks it to stop.
 */
import { Socket } from 'node:net';

import { AGENT_PROTOCOL_VERSION } from '@workcell/protocol/agent';

import { Agent } from './agent';
import { Channel } from './channel';
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

const settings = start('bad settings', () =>
  readSettings(process.env, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }),
);
const { input, output } = start(`no channel on fd ${settings.channel}`, () => {
  if (settings.channel === 'stdio') return { input: process.stdin, output: process.stdout };
  const socket = new Socket({ fd: settings.channel, readable: true, writable: true });
  return { input: socket, output: socket };
});

let stopping = false;
const stop = (code: number) => {
  if (stopping) return;
  stopping = true;
  agent.dispose();
  void channel.close().finally(() => process.exit(code));
};

const channel = new Channel(input, output, {
  frame: (frame) => connection.handle(frame),
  fatal: (error) => {
    // A length beyond the limits: the stream cannot be resynchronised. The server
    // restarts the cell.
    log(`dropping the channel: ${error.message}`);
    agent.dispose();
    process.exit(1);
  },
  end: () => stop(0),
});
const agent = new Agent(settings, () => stop(0));
// The channel is the agent's one connection, for as long as the agent lives.
const connection = agent.connect((header, body) => channel.send(header, body));

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

channel.send({
  ev: 'ready',
  version: AGENT_PROTOCOL_VERSION,
  pid: process.pid,
  startup: startupTimes(),
});
