import { describe, expect, it } from 'vitest';

import { EndedRuns, OutputTail } from './ended-runs';

const ended = (path: string) => ({
  path,
  output: `${path} said hello\r\n`,
  code: 0,
  signal: null,
  durationMs: 1200,
});

describe('OutputTail', () => {
  it('keeps all of a short output', () => {
    const tail = new OutputTail(100);
    tail.append('hello ');
    tail.append('world\r\n');
    expect(tail.text()).toBe('hello world\r\n');
  });

  it('keeps the last lines of a long output, starting at a whole line', () => {
    const tail = new OutputTail(30);
    for (let line = 1; line <= 100; line++) tail.append(`\x1b[32mline ${line}\x1b[0m\r\n`);
    const text = tail.text();
    expect(text.length).toBeLessThanOrEqual(30);
    expect(text.startsWith('\x1b[32mline ')).toBe(true);
    expect(text.endsWith('line 100\x1b[0m\r\n')).toBe(true);
  });
});

describe('EndedRuns', () => {
  it('keeps a run until it is forgotten', () => {
    const runs = new EndedRuns();
    runs.add('run-1', ended('a.py'));
    expect(runs.get('run-1')?.output).toBe('a.py said hello\r\n');
    expect(runs.forget('run-1')).toBe(true);
    expect(runs.get('run-1')).toBeUndefined();
    expect(runs.forget('run-1')).toBe(false);
  });

  it('keeps one run per file: the latest', () => {
    const runs = new EndedRuns();
    runs.add('run-1', ended('a.py'));
    runs.add('run-2', ended('b.py'));
    runs.add('run-3', ended('a.py'));
    expect(runs.get('run-1')).toBeUndefined();
    expect(runs.get('run-2')).toBeDefined();
    expect(runs.get('run-3')).toBeDefined();
    runs.forgetPath('b.py');
    expect(runs.get('run-2')).toBeUndefined();
  });

  it('drops the oldest run beyond its limit', () => {
    const runs = new EndedRuns(2);
    runs.add('run-1', ended('a.py'));
    runs.add('run-2', ended('b.py'));
    runs.add('run-3', ended('c.py'));
    expect(runs.get('run-1')).toBeUndefined();
    expect(runs.get('run-2')).toBeDefined();
    expect(runs.get('run-3')).toBeDefined();
  });
});
