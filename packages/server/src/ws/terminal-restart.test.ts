/**
 * Terminals across a cell restart: the last screen comes back from the database, marked
 * as restored, over a new shell that works and remembers the old one's history. And
 * terminal input is activity: a cell someone types into is not reaped as idle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLiveServer, type LiveServer, type LiveUser } from '../test-support/live-server';
import { WsClient } from '../test-support/ws-client';

const servers: LiveServer[] = [];

afterAll(async () => {
  for (const server of servers) await server.close();
});

describe('after a cell restart', () => {
  let server: LiveServer;
  let user: LiveUser;
  let workspace: string;

  beforeAll(async () => {
    server = await startLiveServer('ws-restart');
    servers.push(server);
    user = await server.registerUser('restart');
    workspace = await server.createWorkspace(user);
  });

  it(
    'the last screen is shown marked restored, a new shell works, and history persists',
    { timeout: 150_000 },
    async () => {
      const client = await server.connect(user);
      const terminal = await client.open(workspace);
      await WsClient.prompt(terminal);
      const ran = terminal.mark();
      expect(await terminal.run('echo "before restart $((3 + 4))"')).toBe('before restart 7\n');
      // The command line is in the history file once the prompt is back.
      await terminal.waitForText(/\$ $/, ran);

      const from = client.mark();
      const stopped = await server.api(user, 'POST', `/api/workspace/${workspace}/shutdown`);
      expect(stopped.status).toBe(200);
      // The socket hears the shell went, and the cell stopped.
      await client.next('terminal.exit', (m) => m.terminalId === terminal.id, from);
      await client.next('cell.status', (m) => m.state === 'stopped', from);
      expect(server.services.cells.get(workspace)).toBeUndefined();

      const starting = client.mark();
      const reopened = await client.open(workspace, { terminalId: terminal.id });
      expect(reopened.opened.restored).toBe(true);
      // The restarted cell's `ready` carries its Python version.
      const ready = await client.next('cell.status', (m) => m.state === 'ready', starting);
      expect(ready.python).toMatch(/^3\.\d+\.\d+$/);
      const screen = await reopened.screenText(true);
      expect(screen).toContain('before restart 7');
      expect(screen).toContain('[restored: the cell restarted, this is a new shell]');
      // A new shell, answering below the old screen.
      await WsClient.prompt(reopened);
      expect(await reopened.run('echo "new shell $((5 + 5))"')).toBe('new shell 10\n');
      // Its history holds the old shell's command (the pattern's brackets keep this line out).
      expect(await reopened.run('history | grep -c "ech[o] .before restart"')).toMatch(
        /^[1-9]\d*\n$/,
      );
      // Reopened once more, it is the live shell again, not restored.
      const again = await client.open(workspace, { terminalId: terminal.id });
      expect(again.opened.restored).toBe(false);
      expect(await again.screenText(true)).toContain('new shell 10');
    },
  );
});

describe('activity', () => {
  it(
    'terminal input keeps the cell from idle reaping; without it the cell is reaped',
    { timeout: 150_000 },
    async () => {
      // Idle after 6 s (checked every 1.5 s): short, with room for a busy machine's pauses.
      const server = await startLiveServer('ws-idle', { CELL_IDLE_MINUTES: '0.1' });
      servers.push(server);
      const user = await server.registerUser('idle');
      const workspace = await server.createWorkspace(user);
      const client = await server.connect(user);
      const terminal = await client.open(workspace);
      await WsClient.prompt(terminal);
      // Reads keys silently in the shell itself: no output, no child process, only input.
      const typed = terminal.mark();
      terminal.type('while read -rs -n1 key; do :; done');
      await terminal.waitForText('done\n', typed);

      const typing = client.mark();
      const started = Date.now();
      // Someone typing, a key every 0.3 s, for twice the idle limit.
      while (Date.now() - started < 12_000) {
        terminal.input('k');
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(server.services.cells.get(workspace)).toBeDefined();
      expect(client.messages.slice(typing).filter((m) => m.type === 'cell.status')).toEqual([]);

      // Nobody types any more: the reaper stops the cell.
      const stopped = await client.next(
        'cell.status',
        (m) => m.workspace === workspace && m.state === 'stopped',
        typing,
        60_000,
      );
      expect(stopped.reason).toMatch(/idle/);
    },
  );
});
