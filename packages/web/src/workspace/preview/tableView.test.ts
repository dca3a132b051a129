import { describe, expect, it } from 'vitest';

import { compareCells, nextSort, TableIndex } from './tableView';

function table(rows: string[][]): TableIndex {
  const index = new TableIndex();
  index.add(rows);
  return index;
}
const column = (rows: string[][], order: Uint32Array, at = 0) =>
  [...order].map((index) => rows[index]![at]);

describe('nextSort', () => {
  it('cycles a column ascending, descending, unsorted; another column starts ascending', () => {
    const first = nextSort(undefined, 2);
    expect(first).toEqual({ column: 2, direction: 'ascending' });
    const second = nextSort(first, 2);
    expect(second).toEqual({ column: 2, direction: 'descending' });
    expect(nextSort(second, 2)).toBeUndefined();
    expect(nextSort(second, 0)).toEqual({ column: 0, direction: 'ascending' });
  });
});

describe('compareCells', () => {
  it('compares numbers by value, not by their characters', () => {
    const cells = ['10', '9', '-2.5', '1e3', '0.5', '+7'];
    expect(cells.sort(compareCells)).toEqual(['-2.5', '0.5', '+7', '9', '10', '1e3']);
  });

  it('puts numbers before text and compares text without case, digit runs as numbers', () => {
    const cells = ['banana', 'file10', '3', 'Apple', 'file2'];
    expect(cells.sort(compareCells)).toEqual(['3', 'Apple', 'banana', 'file2', 'file10']);
  });
});

describe('TableIndex.view', () => {
  const rows = [
    ['Oslo', '9'],
    ['paris', '10'],
    ['Berlin', ''],
    ['Lisbon', '2'],
  ];

  it('keeps file order with no filter and no sort', () => {
    expect([...table(rows).view('', undefined)]).toEqual([0, 1, 2, 3]);
  });

  it('sorts a numeric column both ways, empty cells last both times', () => {
    const index = table(rows);
    const up = index.view('', { column: 1, direction: 'ascending' });
    expect(column(rows, up, 1)).toEqual(['2', '9', '10', '']);
    const down = index.view('', { column: 1, direction: 'descending' });
    expect(column(rows, down, 1)).toEqual(['10', '9', '2', '']);
  });

  it('filters on any cell, ignoring case and surrounding spaces', () => {
    const index = table(rows);
    expect(column(rows, index.view('  PAR ', undefined))).toEqual(['paris']);
    expect(column(rows, index.view('1', undefined))).toEqual(['paris']);
    expect(column(rows, index.view('on', undefined))).toEqual(['Lisbon']);
    expect([...index.view('nowhere', undefined)]).toEqual([]);
  });

  it('filters then sorts, and keeps equal rows in file order', () => {
    const tied = [
      ['a', '1'],
      ['b', '0'],
      ['c', '1'],
      ['d', '0'],
    ];
    const order = table(tied).view('', { column: 1, direction: 'descending' });
    expect(column(tied, order)).toEqual(['a', 'c', 'b', 'd']);
    const filtered = table(rows).view('o', { column: 0, direction: 'ascending' });
    expect(column(rows, filtered)).toEqual(['Lisbon', 'Oslo']);
  });

  it('a cell missing from a short row sorts as empty', () => {
    const ragged = [['1', 'x'], ['2'], ['3', 'a']];
    const order = table(ragged).view('', { column: 1, direction: 'ascending' });
    expect(column(ragged, order)).toEqual(['3', '1', '2']);
  });
});
