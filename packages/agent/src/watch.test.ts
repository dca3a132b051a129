import type { FileChange } from '@workcell/protocol/agent';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startAgent, waitFor, type TestAgent } from './test-support';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startAgent();
  await agent.call('fs.write', { path: 'existing/old.txt' }, Buffer.from('old'));
  await agent.call('watch.start', { ignore: ['.venv', 'node_modules'] });
});
afterAll(async () => {
  await agent.stop();
});

const changes = (): FileChange[] =>
  agent.events.flatMap(({ event }) => (event.ev === 'watch.changes' ? event.changes : []));

/** Runs a shell command in the workspace, as user code would. */
async function sh(script: string): Promise<void> {
  const { result, body } = await agent.call('exec.run', {
    execId: 'sh',
    argv: ['/bin/sh', '-c', script],
    timeoutMs: 10_000,
    maxOutputBytes: 4096,
  });
  expect(result.exitCode, body.toString()).toBe(0);
}

const reported = (change: FileChange) =>
  waitFor(
    () =>
      changes().some(
        (c) => c.path === change.path && c.kind === change.kind && c.type === change.type,
      ),
    `${change.kind} ${change.path}`,
  );

describe('watch', () => {
  test('reports a file created three folders deep, but nothing inside an ignored folder', async () => {
    await sh(
      'mkdir -p .venv/lib && echo x > .venv/lib/site.py && mkdir -p a/b/c && echo hi > a/b/c/deep.txt',
    );
    await reported({ path: 'a/b/c/deep.txt', kind: 'changed', type: 'file' });
    expect(changes()).toEqual(
      expect.arrayContaining([
        { path: 'a', kind: 'changed', type: 'folder' },
        { path: 'a/b/c', kind: 'changed', type: 'folder' },
      ]),
    );
    // Changes inside the new folders are watched too.
    await sh(
      'echo more > a/b/c/later.txt && echo y > .venv/lib/other.py && touch existing/old.txt',
    );
    await reported({ path: 'a/b/c/later.txt', kind: 'changed', type: 'file' });
    await reported({ path: 'existing/old.txt', kind: 'changed', type: 'file' });
    expect(changes().filter((c) => c.path.startsWith('.venv'))).toEqual([]);
  });

  test('a rename is a delete and a change; deletions of files and folders', async () => {
    await sh('mv a/b/c/later.txt a/moved.txt');
    await reported({ path: 'a/b/c/later.txt', kind: 'deleted', type: undefined });
    await reported({ path: 'a/moved.txt', kind: 'changed', type: 'file' });
    await sh('rm a/moved.txt');
    await reported({ path: 'a/moved.txt', kind: 'deleted', type: undefined });
    const before = changes().length;
    await sh('rm -r a/b');
    await reported({ path: 'a/b', kind: 'deleted', type: 'folder' });
    // A deleted watched folder also names itself; no phantom a/b/b appears.
    await sh('echo sentinel > sentinel.txt');
    await reported({ path: 'sentinel.txt', kind: 'changed', type: 'file' });
    expect(
      changes()
        .slice(before)
        .filter((c) => c.path.startsWith('a/b/')),
    ).toEqual([]);
  });

  test('a folder moved within the tree is watched at its new place', async () => {
    await sh('mkdir -p p/q && mv p r');
    await reported({ path: 'r/q', kind: 'changed', type: 'folder' });
    await sh('echo z > r/q/z.txt');
    await reported({ path: 'r/q/z.txt', kind: 'changed', type: 'file' });
    expect(changes().some((c) => c.path === 'p/q/z.txt')).toBe(false);
  });

  test('reports a name no client may use once as refused, never as a change', async () => {
    const refused = () =>
      agent.events.flatMap(({ event }) => (event.ev === 'watch.refused' ? event.names : []));
    await sh(
      "mkdir -p deep && printf x > \"$(printf 'deep/\\357\\273\\277bom.py')\" && printf y > 'deep/tab\there.txt'",
    );
    await waitFor(() => refused().length === 2, 'the refused names');
    expect(refused().sort()).toEqual(['deep/tab\there.txt', 'deep/\ufeffbom.py']);
    await sh("printf again >> 'deep/tab\there.txt' && printf fine > deep/fine.txt");
    await reported({ path: 'deep/fine.txt', kind: 'changed', type: 'file' });
    expect(refused()).toHaveLength(2);
    expect(changes().some((c) => c.path.includes('bom') || c.path.includes('tab'))).toBe(false);
  });

  test('agent writes leave no temp-file noise; watch.stop ends reporting', async () => {
    const before = changes().length;
    await agent.call('fs.write', { path: 'saved.txt' }, Buffer.from('saved'));
    await reported({ path: 'saved.txt', kind: 'changed', type: 'file' });
    expect(
      changes()
        .slice(before)
        .map((c) => c.path),
    ).toEqual(['saved.txt']);
    await agent.call('watch.stop', {});
    await sh('echo after > after-stop.txt');
    await agent.call('ping', {});
    await new Promise((resolve) => setTimeout(resolve, 200)); // longer than the debounce
    expect(changes().some((c) => c.path === 'after-stop.txt')).toBe(false);
  });
});
