import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { CsvTable } from './CsvTable';

// happy-dom lays nothing out; the table's scroll box is given a height so rows come into view.
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(600);
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(800);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('CsvTable', () => {
  it('shows the header and rows, quoted commas kept in their cell', async () => {
    render(<CsvTable path="data/sales.csv" text={'city,note\nParis,"a, b"\nOslo,c\n'} />);
    const table = screen.getByRole('region', { name: 'sales.csv as a table' });
    expect(await within(table).findByRole('cell', { name: 'a, b' })).toBeTruthy();
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((cell) => cell.textContent),
    ).toEqual(['Row', 'city', 'note']);
    expect(screen.getByRole('status').textContent).toBe('2 of 2 rows');
    expect(within(table).getByRole('table').getAttribute('aria-rowcount')).toBe('3');
  });

  it('puts only the rows in view into the page, however many the file has', async () => {
    const text = ['n', ...Array.from({ length: 5000 }, (_, n) => String(n))].join('\n');
    render(<CsvTable path="big.csv" text={text} />);
    expect(await screen.findByText('5,000 of 5,000 rows')).toBeTruthy();
    const rendered = screen.getAllByRole('row').length;
    // 600 px of 24 px rows, a few more either side for smooth scrolling, and the header.
    expect(rendered).toBeGreaterThan(25);
    expect(rendered).toBeLessThan(60);
    expect(screen.getByRole('table').getAttribute('aria-rowcount')).toBe('5001');
    expect(screen.getAllByRole('row')[1]!.getAttribute('aria-rowindex')).toBe('2');
  });

  it('narrows to the rows the filter matches and sorts on a header click', async () => {
    render(<CsvTable path="t.tsv" text={'name\tage\nada\t36\nbob\t4\ncyd\t19\n'} />);
    await screen.findByRole('cell', { name: 'ada' });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Filter rows' }), {
      target: { value: 'D' },
    });
    expect(await screen.findByText('2 of 3 rows')).toBeTruthy();

    const age = screen.getByRole('columnheader', { name: 'age' });
    fireEvent.click(within(age).getByRole('button'));
    expect(age.getAttribute('aria-sort')).toBe('ascending');
    await expect.poll(() => firstColumn()).toEqual(['cyd', 'ada']);
    fireEvent.click(within(age).getByRole('button'));
    expect(age.getAttribute('aria-sort')).toBe('descending');
    await expect.poll(() => firstColumn()).toEqual(['ada', 'cyd']);
  });
});

/** The name cells of the rows shown, top to bottom. */
function firstColumn(): string[] {
  return screen
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).queryAllByRole('cell')[0]?.textContent ?? '');
}
