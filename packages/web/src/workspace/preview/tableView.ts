/**
 * Sorting and filtering a parsed table's rows without copying them: the result is the
 * order of row indices to show. Runs in the CSV worker, so 100,000 rows never block typing.
 */
export type SortDirection = 'ascending' | 'descending';
export interface SortState {
  column: number;
  direction: SortDirection;
}

/** A header click cycles ascending → descending → unsorted; another column starts over. */
export function nextSort(current: SortState | undefined, column: number): SortState | undefined {
  if (current?.column !== column) return { column, direction: 'ascending' };
  return current.direction === 'ascending' ? { column, direction: 'descending' } : undefined;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const numberPattern = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** What a cell sorts by: its value when all of it is a number ("1e3", "-2.5"), else its text. */
type SortKey = number | string;
function sortKey(cell: string): SortKey {
  const trimmed = cell.trim();
  return numberPattern.test(trimmed) ? Number(trimmed) : trimmed;
}

/**
 * Numbers before text, numbers by value (10 after 9), text by a case-insensitive collation
 * that reads digit runs as numbers ("file2" before "file10").
 */
function compareKeys(a: SortKey, b: SortKey): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  return typeof b === 'number' ? 1 : collator.compare(a, b);
}

export const compareCells = (a: string, b: string) => compareKeys(sortKey(a), sortKey(b));

/** A table's rows and what a filter needs of them, grown chunk by chunk as parsing goes. */
export class TableIndex {
  private readonly rows: (readonly string[])[] = [];
  private readonly searchText: string[] = [];

  add(rows: readonly (readonly string[])[]): void {
    for (const row of rows) {
      this.rows.push(row);
      this.searchText.push(row.join('\u0000').toLowerCase());
    }
  }

  get size(): number {
    return this.rows.length;
  }

  /**
   * Indices of the rows with a cell containing `filter` (any case), in `sort` order; empty
   * cells stay last in both directions, and equal cells keep the file's order.
   */
  view(filter: string, sort: SortState | undefined): Uint32Array {
    const needle = filter.trim().toLowerCase();
    const order: number[] = [];
    for (let index = 0; index < this.rows.length; index++)
      if (needle === '' || this.searchText[index]!.includes(needle)) order.push(index);
    if (sort) {
      const sign = sort.direction === 'ascending' ? 1 : -1;
      // Keys worked out once per row, not once per comparison.
      const keys: SortKey[] = new Array<SortKey>(this.rows.length);
      for (const index of order) keys[index] = sortKey(this.rows[index]![sort.column] ?? '');
      order.sort((left, right) => {
        const a = keys[left]!;
        const b = keys[right]!;
        if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1;
        return sign * compareKeys(a, b);
      });
    }
    return Uint32Array.from(order);
  }
}
