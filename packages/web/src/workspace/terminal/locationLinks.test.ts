import { describe, expect, it } from 'vitest';

import { findLocations } from './locationLinks';

const paths = (text: string) =>
  findLocations(text).map(({ path, line, column }) => ({ path, line, column }));

describe('findLocations', () => {
  it('finds traceback lines and maps /app/ to the workspace', () => {
    const text = '  File "/app/pkg/x.py", line 12, in <module>';
    const [found] = findLocations(text);
    expect(found).toMatchObject({ path: 'pkg/x.py', line: 12 });
    expect(text.slice(found!.start, found!.end)).toBe('File "/app/pkg/x.py", line 12');
  });

  it('finds path:line and path:line:column, relative or under /app', () => {
    expect(paths('pkg/x.py:12: error: bad')).toEqual([
      { path: 'pkg/x.py', line: 12, column: undefined },
    ]);
    expect(paths('see /app/main.py:3:5 and ./util.py:7')).toEqual([
      { path: 'main.py', line: 3, column: 5 },
      { path: 'util.py', line: 7, column: undefined },
    ]);
  });

  it('links nothing outside the workspace or without a line', () => {
    expect(paths('  File "/usr/lib/python3.11/runpy.py", line 88, in _run_code')).toEqual([]);
    expect(paths('/usr/lib/x.py:3 ../up.py:4 http://host:8080 12:30:45 main.py')).toEqual([]);
    expect(paths('File "<stdin>", line 1')).toEqual([]);
  });
});
