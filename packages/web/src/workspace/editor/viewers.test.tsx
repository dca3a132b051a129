import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { CsvTable } from './viewers';

afterEach(cleanup);

describe('CsvTable', () => {
  it('shows the header and rows, quoted commas kept in their cell', () => {
    render(<CsvTable path="data/sales.csv" text={'city,note\nParis,"a, b"\nOslo,c\n'} />);
    const table = screen.getByRole('region', { name: 'sales.csv as a table' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((cell) => cell.textContent),
    ).toEqual(['Row', 'city', 'note']);
    expect(within(table).getByRole('cell', { name: 'a, b' })).toBeTruthy();
    expect(within(table).getAllByRole('row')).toHaveLength(3);
  });

  it('stops after 1000 rows and says so', () => {
    const text = ['n', ...Array.from({ length: 1500 }, (_, index) => String(index))].join('\n');
    render(<CsvTable path="big.csv" text={text} />);
    expect(screen.getAllByRole('row')).toHaveLength(1001);
    expect(screen.getByText(/first 1,000 rows/)).toBeTruthy();
  });
});
