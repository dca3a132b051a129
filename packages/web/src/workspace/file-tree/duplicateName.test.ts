import { describe, expect, it } from 'vitest';

import { duplicatePath } from './duplicateName';

const takenIn =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('duplicate names', () => {
  it('adds " copy" before the extension, then " copy 2", " copy 3"…', () => {
    expect(duplicatePath('script.py', false, takenIn('script.py'))).toBe('script copy.py');
    expect(duplicatePath('script.py', false, takenIn('script.py', 'script copy.py'))).toBe(
      'script copy 2.py',
    );
    expect(
      duplicatePath('src/a.tar.gz', false, takenIn('src/a.tar copy.gz', 'src/a.tar copy 2.gz')),
    ).toBe('src/a.tar copy 3.gz');
  });

  it('puts the suffix at the end of a folder name and of a dot file', () => {
    expect(duplicatePath('lib/v1.0', true, takenIn())).toBe('lib/v1.0 copy');
    expect(duplicatePath('.env', false, takenIn())).toBe('.env copy');
    expect(duplicatePath('Makefile', false, takenIn('Makefile copy'))).toBe('Makefile copy 2');
  });
});
