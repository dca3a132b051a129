import { describe, expect, it } from 'vitest';

import { indexByLabel, indexPaths } from './fuzzy';

describe('indexPaths', () => {
  const paths = ['main/setup.py', 'src/main.py', 'src/util/strings.py', 'README.md'];

  it('ranks a basename match above the same letters spread over directories', () => {
    const found = indexPaths(paths).search('main', 10);
    expect(found.map((match) => match.item)).toEqual(['src/main.py', 'main/setup.py']);
    // The highlighted letters are those of the basename, at their place in the whole path.
    expect(found[0]?.indexes).toEqual([4, 5, 6, 7]);
  });

  it('matches across the directory and the name, in order', () => {
    const found = indexPaths(paths).search('sus', 10);
    expect(found.map((match) => match.item)).toContain('src/util/strings.py');
    expect(indexPaths(paths).search('zzz', 10)).toEqual([]);
  });

  it('searches ten thousand paths quickly and honours the limit', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `pkg${i % 97}/module_${i}/file_${i}.py`);
    const index = indexPaths(many);
    index.search('module', 100); // The first search also compiles fuzzysort's code.
    const started = performance.now();
    const found = index.search('file_9999', 100);
    expect(performance.now() - started).toBeLessThan(200);
    expect(found[0]?.item).toBe('pkg8/module_9999/file_9999.py');
    expect(index.search('py', 100)).toHaveLength(100);
  });
});

describe('indexByLabel', () => {
  it('finds commands by the initials of their words', () => {
    const titles = ['Terminal: New terminal', 'File: Save all', 'Go: Go to file'];
    const found = indexByLabel(titles, (title) => title).search('sa', 10);
    expect(found[0]?.item).toBe('File: Save all');
    expect(found[0]?.indexes).toEqual([6, 7]);
  });
});
