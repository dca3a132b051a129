import { cleanup, fireEvent, render, screen } from '@testing-library/react';
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
  it('groups problems by file with counts; choosing one reveals it', () => {
    const onReveal = vi.fn();
    render(<ProblemsPanel problems={toProblems(markers)} onReveal={onReveal} />);
    const files = screen.getAllByRole('button', { expanded: true });
    expect(files.map((file) => file.textContent)).toEqual([
      '▾ main.py2 problems',
      '▾ util.py1 problem',
    ]);
    const items = screen.getAllByRole('button', { name: /defined|resolved/ });
    expect(items.map((item) => item.textContent)).toEqual([
      '⨂Error: "x" is not defined at line 3:1',
      '⚠Warning: Import "foo" could not be resolved at line 1:8',
      '⨂Error: "undefined_name" is not defined at line 7:5',
    ]);
    fireEvent.click(items[2]!);
    expect(onReveal).toHaveBeenCalledWith(
      expect.objectContaining({ path: 'util.py', line: 7, column: 5 }),
    );
  });

  it('collapses a file and filters by text', () => {
    render(<ProblemsPanel problems={toProblems(markers)} onReveal={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: /main\.py/ }));
    expect(screen.queryByRole('button', { name: /"x" is not defined/ })).toBeNull();
    fireEvent.change(screen.getByRole('searchbox', { name: 'Filter problems' }), {
      target: { value: 'UNDEFINED' },
    });
    expect(screen.getAllByRole('button', { name: /defined/ }).map((b) => b.textContent)).toEqual([
      '⨂Error: "undefined_name" is not defined at line 7:5',
    ]);
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'nothing like it' } });
    expect(screen.getByText('No problem matches.')).toBeTruthy();
  });

  it('says so when there are none', () => {
    render(<ProblemsPanel problems={[]} onReveal={vi.fn()} />);
    expect(screen.getByText('No problems in the open files.')).toBeTruthy();
  });
});
