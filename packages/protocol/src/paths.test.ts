import { describe, expect, it } from 'vitest';

import {
  isWithin,
  normaliseWorkspacePath,
  parentPaths,
  PATH_MAX_BYTES,
  PATH_SEGMENT_MAX_BYTES,
} from './paths';

const ok = (input: string) => {
  const result = normaliseWorkspacePath(input);
  expect(result, JSON.stringify(input)).toMatchObject({ ok: true });
  return (result as { path: string }).path;
};
const reason = (input: string) => {
  const result = normaliseWorkspacePath(input);
  expect(result.ok, JSON.stringify(input)).toBe(false);
  return (result as { reason: string }).reason;
};

describe('normaliseWorkspacePath', () => {
  it.each([
    ['main.py', 'main.py'],
    ['a/b/c.txt', 'a/b/c.txt'],
    ['./a/./b', 'a/b'],
    ['a//b///c', 'a/b/c'],
    ['a/b/', 'a/b'],
    ['..hidden', '..hidden'],
    ['a..b/...', 'a..b/...'],
    ['%2e%2e', '%2e%2e'], // a literal name: decoding is the URL layer's job
    ['with space.txt', 'with space.txt'],
    ['données/é.txt', 'données/é.txt'],
    ['emoji 😀.py', 'emoji 😀.py'],
  ])('accepts %j as %j', (input, expected) => {
    expect(ok(input)).toBe(expected);
  });

  it('normalises to NFC so one name is one file', () => {
    const decomposed = 'e\u0301.txt'; // e + combining acute
    expect(ok(decomposed)).toBe('\u00e9.txt');
    expect(ok(decomposed)).toBe(ok('é.txt'));
  });

  it.each([
    ['', /empty/],
    ['.', /root/],
    ['./', /root/],
    ['//', /relative/],
    ['..', /\.\./],
    ['../x', /\.\./],
    ['a/../b', /\.\./],
    ['a/..', /\.\./],
    ['./../x', /\.\./],
    ['/etc/passwd', /relative/],
    ['//etc/passwd', /relative/],
    ['a\\b', /\\/],
    ['\\\\server\\share', /\\/],
    ['..\\x', /\\/],
    ['a\u0000b', /control/],
    ['a\nb', /control/],
    ['a\rb', /control/],
    ['tab\there', /control/],
    ['\u001b[31mred', /control/],
    ['del\u007f', /control/],
    ['nel\u0085', /control/],
    ['a\ud800b', /UTF-8/],
    ['a\udc00', /UTF-8/],
  ])('rejects %j', (input, why) => {
    expect(reason(input)).toMatch(why);
  });

  it('limits a segment to 255 bytes, counting UTF-8 bytes', () => {
    expect(PATH_SEGMENT_MAX_BYTES).toBe(255);
    expect(ok('a'.repeat(255))).toHaveLength(255);
    expect(reason('a'.repeat(256))).toMatch(/255 bytes/);
    expect(ok('é'.repeat(127))).toHaveLength(127); // 254 bytes
    expect(reason('é'.repeat(128))).toMatch(/255 bytes/); // 256 bytes
    expect(reason(`ok/${'😀'.repeat(64)}`)).toMatch(/255 bytes/); // 256 bytes in 128 UTF-16 units
  });

  it('limits the whole path to 1,024 bytes, counting UTF-8 bytes', () => {
    expect(PATH_MAX_BYTES).toBe(1024);
    const segment = 'a'.repeat(204);
    expect(ok(Array<string>(5).fill(segment).join('/'))).toHaveLength(1024);
    expect(reason(`${Array<string>(5).fill(segment).join('/')}b`)).toMatch(/1024 bytes/);
    const wide = Array<string>(5).fill('é'.repeat(102)).join('/'); // 5 × 204 + 4 = 1,024 bytes
    expect(ok(wide)).toBe(wide);
    expect(reason(`${wide}é`)).toMatch(/1024 bytes/);
  });

  it('measures the normalised path, not the input', () => {
    const padded = `${'./'.repeat(600)}main.py`;
    expect(ok(padded)).toBe('main.py');
  });

  it('rejects non-strings without throwing', () => {
    expect(normaliseWorkspacePath(undefined as unknown as string).ok).toBe(false);
    expect(normaliseWorkspacePath(42 as unknown as string).ok).toBe(false);
  });
});

describe('parentPaths and isWithin', () => {
  it('lists the parents outermost first', () => {
    expect(parentPaths('a/b/c.txt')).toEqual(['a', 'a/b']);
    expect(parentPaths('top.txt')).toEqual([]);
  });

  it('isWithin is true for the folder itself and what lies inside, not for name prefixes', () => {
    expect(isWithin('a', 'a')).toBe(true);
    expect(isWithin('a/b', 'a')).toBe(true);
    expect(isWithin('ab', 'a')).toBe(false);
    expect(isWithin('a', 'a/b')).toBe(false);
  });
});
