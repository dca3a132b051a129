/**
 * A CSV or TSV file as a table: parsed, sorted and filtered in a worker (useCsvRows), and
 * virtualised, so only the rows in view are in the page, whatever the file's length.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';

import { baseName, extensionOf } from '../editor/paths';
import { nextSort, type SortState } from './tableView';
import { useCsvRows } from './useCsvRows';
import './CsvTable.css';

/** Every row is one line high (cells do not wrap), so rows need no measuring. */
const rowHeight = 24;

export function CsvTable({ path, text }: { path: string; text: string }) {
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortState>();
  const delimiter = extensionOf(path) === 'tsv' ? '\t' : '';
  const { header, body, order, parsing, error } = useCsvRows(text, delimiter, filter, sort);
  const scroller = useRef<HTMLDivElement>(null);
  const count = order?.length ?? body.length;
  // This app is not built with React Compiler, whose memoising is what the rule guards.
  // eslint-disable-next-line react-hooks/incompatible-library
  const rows = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 10,
  });
  const widths = useMemo(() => columnWidths(header, body), [header, body]);
  const items = rows.getVirtualItems();
  const before = items[0]?.start ?? 0;
  const after = rows.getTotalSize() - (items.at(-1)?.end ?? 0);

  return (
    <div className="csv-viewer">
      <div className="csv-toolbar">
        <input
          type="search"
          className="input csv-filter"
          aria-label="Filter rows"
          placeholder="Filter rows"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        <span role="status" className="csv-count">
          {parsing
            ? `Reading… ${body.length.toLocaleString()} rows`
            : `${count.toLocaleString()} of ${body.length.toLocaleString()} rows`}
        </span>
      </div>
      {error && (
        <p role="alert" className="csv-note">
          This file could not be read as a table: {error}
        </p>
      )}
      <div
        ref={scroller}
        className="csv-scroll"
        tabIndex={0}
        role="region"
        aria-label={`${baseName(path)} as a table`}
      >
        <table aria-rowcount={count + 1} style={{ width: `calc(${widths.total})` }}>
          <colgroup>
            {widths.columns.map((width, column) => (
              <col key={column} style={{ width: `calc(${width})` }} />
            ))}
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col" className="csv-row-number">
                <span className="visually-hidden">Row</span>
              </th>
              {widths.columns.slice(1).map((_, column) => (
                <th
                  scope="col"
                  key={column}
                  aria-sort={sort?.column === column ? sort.direction : undefined}
                >
                  <button
                    type="button"
                    className="csv-sort"
                    title={`Sort by ${header[column] ?? `column ${column + 1}`}`}
                    onClick={() => setSort((current) => nextSort(current, column))}
                  >
                    {header[column] ?? ''}
                    <SortIcon direction={sort?.column === column ? sort.direction : undefined} />
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {before > 0 && <tr aria-hidden="true" style={{ height: before }} />}
            {items.map((item) => {
              const index = order ? order[item.index]! : item.index;
              const row = body[index] ?? [];
              return (
                <tr key={item.key} aria-rowindex={item.index + 2}>
                  <th scope="row" className="csv-row-number">
                    {index + 1}
                  </th>
                  {widths.columns.slice(1).map((_, column) => (
                    <td key={column} title={row[column]}>
                      {row[column] ?? ''}
                    </td>
                  ))}
                </tr>
              );
            })}
            {after > 0 && <tr aria-hidden="true" style={{ height: after }} />}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function SortIcon({ direction }: { direction: SortState['direction'] | undefined }) {
  if (!direction) return null;
  const icon = direction === 'ascending' ? 'codicon-arrow-up' : 'codicon-arrow-down';
  return <span className={`codicon ${icon}`} aria-hidden="true" />;
}

/** Rows whose cells set the column widths: a few hundred from all through the file. */
const sampleSize = 400;

/**
 * Column widths (CSS lengths) from the header and rows sampled through the file, fixed so
 * columns do not jump as other rows scroll into view; the first is the row numbers'.
 */
function columnWidths(header: readonly string[], body: readonly (readonly string[])[]) {
  const step = Math.ceil(body.length / sampleSize) || 1;
  const sample = [header, ...body.filter((_, index) => index % step === 0)];
  const columns = Math.max(0, ...sample.map((row) => row.length));
  const chars = Array.from({ length: columns }, (_, column) =>
    Math.min(40, Math.max(4, ...sample.map((row) => (row[column] ?? '').length)) + 2),
  );
  chars.unshift(String(body.length).length + 1);
  return {
    columns: chars.map((width) => `${width}ch + 1.2em`),
    total: `${chars.reduce((sum, width) => sum + width, 0)}ch + ${chars.length * 1.2}em`,
  };
}
