import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ProblemsPanel } from './ProblemsPanel';
import { countProblems, type MarkerLike, toProblems } from './problems';

function marker(uri: string, severity: number, message: string, line = 1, column = 1): MarkerLike {
  return {
    resource: { toString: () => uri },
    severity,
    message,
    source: 'Pyright',
    startLineNumber: line,
    startColumn: column,
  };
}

const markers = [
  marker('file:///workspace/main.py', 4, 'Import "foo" could not be resolved', 1, 8),
  marker('file:///workspace/main.py', 1, '"np" is not accessed', 2),
  marker('file:///workspace/util.py', 8, '"undefined_name" is not defined', 7, 5),
  marker('inmemory://model/3', 8, 'a diff view, not a file'),
  marker('file:///workspace/main.py', 8, '"x" is not defined', 3, 1),
];

afterEach(cleanup);

describe('toProblems', () => {
  it('lists errors before warnings, by file and line, without hints or other models', () => {
    const problems = toProblems(markers);
    expect(problems.map((p) => `${p.severity} ${p.path}:${p.line} ${p.message}`)).toEqual([
      'error main.py:3 "x" is not defined',
      'error util.py:7 "undefined_name" is not defined',
      'warning main.py:1 Import "foo" could not be resolved',
    ]);
    expect(countProblems(problems)).toEqual({ errors: 2, warnings: 1 });
  });
});

describe('ProblemsPanel', () => {
  it('shows each problem with its severity, message and place; choosing one reveals it', () => {
    const onReveal = vi.fn();
    render(<ProblemsPanel problems={toProblems(markers)} onReveal={onReveal} onClose={vi.fn()} />);
    const panel = screen.getByRole('region', { name: 'Problems' });
    const items = within(panel).getAllByRole('button', { name: /defined|resolved/ });
    expect(items.map((item) => item.textContent)).toEqual([
      '⨂Error: "x" is not definedmain.py:3',
      '⨂Error: "undefined_name" is not definedutil.py:7',
      '⚠Warning: Import "foo" could not be resolvedmain.py:1',
    ]);
    // Focus moves to the first problem so the keyboard can go through the list.
    expect(document.activeElement).toBe(items[0]);
    fireEvent.click(items[1]!);
    expect(onReveal).toHaveBeenCalledWith(
      expect.objectContaining({ path: 'util.py', line: 7, column: 5 }),
    );
  });

  it('says so when there are none, and closes with Escape or its button', () => {
    const onClose = vi.fn();
    render(<ProblemsPanel problems={[]} onReveal={vi.fn()} onClose={onClose} />);
    expect(screen.getByText('No problems in the open files.')).toBeTruthy();
    fireEvent.keyDown(screen.getByRole('region', { name: 'Problems' }), { key: 'Escape' });
    fireEvent.click(screen.getByRole('button', { name: 'Close problems' }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});
