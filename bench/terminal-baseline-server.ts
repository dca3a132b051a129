/**
 * The floor for terminal latency on this machine: a WebSocket relaying raw bytes to a
 * bash PTY, ws + node-pty and nothing else (no auth, no JSON, no agent, no screen, no
 * flow control). bench/terminal.ts starts it as a child process, so it has its own event
 * loop as the real server does.
 *
 *   node --import tsx bench/terminal-baseline-server.ts <shell-home> [<shell-cgroup>]
 *
 * Prints `{"port":N}` once listening on loopback. Per connection: the first (text)
 * message `{"cols":C,"rows":R}` spawns `bash -l` in a PTY; binary messages are written to
 * it as they are; its output comes back as binary messages as node-pty reads it. With a
 * cgroup, each shell joins it as it starts (and what it runs with it), the server not.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

import pty from 'node-pty';
import { WebSocketServer } from 'ws';

const [home, shellCgroup] = process.argv.slice(2);
if (!home) throw new Error('usage: terminal-baseline-server.ts <shell-home> [<shell-cgroup>]');
const env = {
  HOME: home,
  USER: 'user',
  SHELL: '/bin/bash',
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LANG: 'C.UTF-8',
  TERM: 'xterm-256color',
};

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (socket) => {
  let shell: pty.IPty | undefined;
  socket.on('message', (data: Buffer, isBinary) => {
    if (isBinary) {
      shell?.write(data);
      return;
    }
    const { cols, rows } = JSON.parse(data.toString('utf8')) as { cols: number; rows: number };
    shell = pty.spawn('/bin/bash', ['-l'], { cols, rows, cwd: home, env, encoding: null });
    if (shellCgroup) appendFileSync(join(shellCgroup, 'cgroup.procs'), String(shell.pid));
    // With `encoding: null` node-pty hands out Buffers (its typings say strings): binary frames.
    shell.onData((chunk) => socket.send(chunk));
    shell.onExit(() => socket.close());
  });
  socket.on('close', () => shell?.kill('SIGKILL'));
});
server.on('listening', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(JSON.stringify({ port: address.port }));
});
process.on('SIGTERM', () => process.exit(0));
