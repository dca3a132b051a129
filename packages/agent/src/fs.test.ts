import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { SYNC_IO_BYTES } from './file-io';
import { startAgent, type TestAgent } from './test-support';

let agent: TestAgent;
beforeAll(async () => {
  agent = await startAgent();
});
afterAll(async () => {
  await agent.stop();
});

const at = (path: string) => join(agent.root, path);
const digest = (content: Buffer) => createHash('sha256').update(content).digest('hex');
const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe('files', () => {
  test('binary content round-trips byte for byte, written atomically', async () => {
    const content = Buffer.concat([allBytes, allBytes.reverse(), allBytes]);
    const written = await agent.call('fs.write', { path: 'bin/data.bin' }, content);
    expect(written.result).toEqual({ size: content.length });
    const read = await agent.call('fs.read', { path: 'bin/data.bin', maxBytes: 1 << 20 });
    expect(read.result).toEqual({ size: content.length });
    expect(Buffer.compare(read.body, content)).toBe(0);
    expect(await readFile(at('bin/data.bin'))).toEqual(content);
    for (let i = 0; i < 5; i++)
      await agent.call('fs.write', { path: 'bin/data.bin' }, Buffer.from(`v${i}`));
    expect(await readdir(at('bin'))).toEqual(['data.bin']);
    const empty = await agent.call('fs.write', { path: 'empty' }, Buffer.alloc(0));
    expect(empty.result.size).toBe(0);
    expect((await agent.call('fs.read', { path: 'empty', maxBytes: 0 })).body.length).toBe(0);
  });

  test('a file larger than what is read and written synchronously round-trips, hashed whole', async () => {
    // Random, so a part written twice or left out changes the hash.
    const content = randomBytes(SYNC_IO_BYTES * 3 + 7);
    await agent.call('fs.write', { path: 'big.bin', expectSha256: null }, content);
    expect(await readFile(at('big.bin'))).toEqual(content);
    const read = await agent.call('fs.read', { path: 'big.bin', maxBytes: content.length });
    expect(Buffer.compare(read.body, content)).toBe(0);
    const listed = await agent.call('fs.list', { path: 'big.bin', ignore: [], hash: true });
    expect(listed.result.entries[0]?.sha256).toBe(digest(content));
    const smaller = content.subarray(0, SYNC_IO_BYTES + 1);
    await agent.call('fs.write', { path: 'big.bin', expectSha256: digest(content) }, smaller);
    expect(await readFile(at('big.bin'))).toEqual(smaller);
  });

  test('new files and folders belong to the cell user; a rewrite keeps the mode', async () => {
    await writeFile(at('run.sh'), '#!/bin/sh\n');
    await chmod(at('run.sh'), 0o750);
    await agent.call('fs.write', { path: 'run.sh' }, Buffer.from('#!/bin/sh\necho hi\n'));
    expect((await stat(at('run.sh'))).mode & 0o7777).toBe(0o750);
    await agent.call('fs.write', { path: 'made/deep/new.txt' }, Buffer.from('x'));
    expect((await stat(at('made/deep/new.txt'))).mode & 0o777).toBe(0o644);
    if (process.getuid?.() === 0) {
      for (const path of ['run.sh', 'made', 'made/deep', 'made/deep/new.txt']) {
        expect((await stat(at(path))).uid, path).toBe(1000);
      }
    }
  });

  test('read limits and kinds', async () => {
    await agent.call('fs.write', { path: 'big.txt' }, Buffer.alloc(100, 'a'));
    expect(await agent.request('fs.read', { path: 'big.txt', maxBytes: 99 })).toMatchObject({
      ok: false,
      error: { code: 'FILE_TOO_LARGE' },
    });
    expect(await agent.request('fs.read', { path: 'bin', maxBytes: 10 })).toMatchObject({
      ok: false,
      error: { code: 'IS_A_FOLDER' },
    });
    expect(await agent.request('fs.read', { path: 'nope.txt', maxBytes: 10 })).toMatchObject({
      ok: false,
      error: { code: 'FILE_NOT_FOUND', message: expect.stringContaining('nope.txt') as string },
    });
    expect(
      await agent.request('fs.write', { path: 'big.txt/inside' }, Buffer.from('x')),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_A_FOLDER' },
    });
    expect(await agent.request('fs.write', { path: 'bin' }, Buffer.from('x'))).toMatchObject({
      ok: false,
      error: { code: 'IS_A_FOLDER' },
    });
  });

  test('delete, mkdir and move', async () => {
    await agent.call('fs.mkdir', { path: 'm/a/b' });
    await agent.call('fs.mkdir', { path: 'm/a/b' }); // already there: fine
    expect((await stat(at('m/a/b'))).isDirectory()).toBe(true);
    await agent.call('fs.write', { path: 'm/a/b/f.txt' }, Buffer.from('f'));
    await agent.call('fs.write', { path: 'm/g.txt' }, Buffer.from('g'));

    expect(await agent.request('fs.move', { from: 'm/g.txt', to: 'm/a/b/f.txt' })).toMatchObject({
      ok: false,
      error: { code: 'ALREADY_EXISTS' },
    });
    expect(await agent.request('fs.move', { from: 'm/a', to: 'm/a/b/c' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await agent.request('fs.move', { from: 'm/none', to: 'm/x' })).toMatchObject({
      ok: false,
      error: { code: 'FILE_NOT_FOUND' },
    });
    await agent.call('fs.move', { from: 'm/a', to: 'n/moved' });
    expect(await readFile(at('n/moved/b/f.txt'), 'utf8')).toBe('f');
    await agent.call('fs.move', { from: 'm/g.txt', to: 'n/g2.txt' });

    await agent.call('fs.delete', { path: 'n' });
    await expect(stat(at('n'))).rejects.toThrow();
    expect(await agent.request('fs.delete', { path: 'n' })).toMatchObject({
      ok: false,
      error: { code: 'FILE_NOT_FOUND' },
    });
    expect(await agent.request('fs.mkdir', { path: 'big.txt' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_A_FOLDER' },
    });
  });

  test('list walks the tree, skipping ignored names; a subtree; a file; depth; hashes', async () => {
    for (const path of [
      't/src/a.py',
      't/src/pkg/b.py',
      't/.venv/lib/x.py',
      't/node_modules/y.js',
      't/z.bin',
    ]) {
      await agent.call('fs.write', { path }, Buffer.from(path));
    }
    const ignore = ['.venv', 'node_modules'];
    const { result } = await agent.call('fs.list', { path: 't', ignore });
    expect(result.truncated).toBe(false);
    expect(result.entries.map((e) => `${e.type} ${e.path}`)).toEqual([
      'folder t',
      'folder t/src',
      'file t/src/a.py',
      'folder t/src/pkg',
      'file t/src/pkg/b.py',
      'file t/z.bin',
    ]);
    const file = result.entries.find((e) => e.path === 't/z.bin')!;
    expect(file.size).toBe('t/z.bin'.length);
    expect(file.mtimeMs).toBeGreaterThan(Date.now() - 60_000);

    const whole = await agent.call('fs.list', { ignore });
    expect(whole.result.entries.map((e) => e.path)).toEqual(
      expect.arrayContaining(['bin', 'bin/data.bin', 't', 't/src/pkg/b.py']),
    );
    expect(whole.result.entries.some((e) => e.path.includes('.venv'))).toBe(false);

    const single = await agent.call('fs.list', { path: 't/src/a.py', ignore });
    expect(single.result.entries).toEqual([
      expect.objectContaining({ path: 't/src/a.py', type: 'file' }),
    ]);
    for (const path of ['absent', 'absent/deeper', 't/z.bin/inside']) {
      expect((await agent.call('fs.list', { path, ignore })).result.entries).toEqual([]);
    }

    const shallow = await agent.call('fs.list', { path: 't', ignore, depth: 1 });
    expect(shallow.result.entries.map((e) => e.path)).toEqual(['t', 't/src', 't/z.bin']);
    expect(
      (await agent.call('fs.list', { path: 't', ignore, depth: 0 })).result.entries,
    ).toHaveLength(1);
    expect(
      (await agent.call('fs.list', { ignore, depth: 1 })).result.entries.map((e) => e.path),
    ).toContain('t');

    const hashed = await agent.call('fs.list', { path: 't/src', ignore, hash: true });
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(hashed.result.entries.map((e) => [e.path, e.sha256])).toEqual([
      ['t/src', undefined],
      ['t/src/a.py', sha256('t/src/a.py')],
      ['t/src/pkg', undefined],
      ['t/src/pkg/b.py', sha256('t/src/pkg/b.py')],
    ]);
  });

  test('conditional writes and deletes: the expected content or a conflict', async () => {
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    await agent.call('fs.write', { path: 'c/file.txt', expectSha256: null }, Buffer.from('one'));
    expect(
      await agent.request('fs.write', { path: 'c/file.txt', expectSha256: null }, Buffer.from('x')),
    ).toMatchObject({
      ok: false,
      error: { code: 'VERSION_CONFLICT' },
    });
    await agent.call(
      'fs.write',
      { path: 'c/file.txt', expectSha256: sha256('one') },
      Buffer.from('two'),
    );
    expect(
      await agent.request(
        'fs.write',
        { path: 'c/file.txt', expectSha256: sha256('one') },
        Buffer.from('3'),
      ),
    ).toMatchObject({ ok: false, error: { code: 'VERSION_CONFLICT' } });
    expect(
      await agent.request('fs.delete', { path: 'c/file.txt', expectSha256: sha256('one') }),
    ).toMatchObject({
      ok: false,
      error: { code: 'VERSION_CONFLICT' },
    });
    expect(await readFile(at('c/file.txt'), 'utf8')).toBe('two');
    await agent.call('fs.delete', { path: 'c/file.txt', expectSha256: sha256('two') });
    expect(
      await agent.request(
        'fs.write',
        { path: 'c/file.txt', expectSha256: sha256('two') },
        Buffer.from('4'),
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'VERSION_CONFLICT' },
    });
    await agent.call('fs.delete', { path: 'c', expectSha256: null }); // a folder is "no file"
  });

  test('paths outside the workspace are refused', async () => {
    for (const path of ['../x', '/etc/passwd', 'a/../../x', 'a\0b', 'a\\b']) {
      for (const reply of [
        await agent.request('fs.read', { path, maxBytes: 10 }),
        await agent.request('fs.write', { path }, Buffer.from('x')),
        await agent.request('fs.delete', { path }),
      ]) {
        expect(reply, path).toMatchObject({ ok: false, error: { code: 'INVALID_PATH' } });
      }
    }
  });

  test('symbolic links are not followed', async () => {
    const outside = join(dirname(agent.root), 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(outside, at('out'));
    await symlink(join(outside, 'secret.txt'), at('secret-link'));
    const refused = [
      await agent.request('fs.read', { path: 'out/secret.txt', maxBytes: 100 }),
      await agent.request('fs.write', { path: 'out/new.txt' }, Buffer.from('x')),
      await agent.request('fs.delete', { path: 'out/secret.txt' }),
      await agent.request('fs.mkdir', { path: 'out/dir' }),
      await agent.request('fs.move', { from: 'out/secret.txt', to: 'stolen.txt' }),
      await agent.request('fs.read', { path: 'secret-link', maxBytes: 100 }),
      await agent.request('fs.list', { path: 'out', ignore: [] }),
    ];
    for (const reply of refused)
      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_PATH' } });
    // Writing over a link replaces the link, never the file it points to.
    await agent.call('fs.write', { path: 'secret-link' }, Buffer.from('mine'));
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    await agent.call('fs.delete', { path: 'out' });
    expect(await readdir(outside)).toEqual(['secret.txt']);
    const listed = await agent.call('fs.list', { ignore: [] });
    expect(listed.result.entries.map((e) => e.path)).not.toContain('out');
  });
});
