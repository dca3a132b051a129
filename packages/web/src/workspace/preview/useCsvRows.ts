/**
 * A CSV file's rows as the table shows them: parsed and arriving in chunks from the CSV
 * worker, then the order the filter and sort ask for, also worked out there.
 */
import { useEffect, useMemo, useRef, useState } from 'react';

import type { CsvReply, CsvRequest } from './csvProtocol';
import type { SortState } from './tableView';

interface CsvPort {
  post: (request: CsvRequest) => void;
  close: () => void;
}

function openCsvPort(onReply: (reply: CsvReply) => void): CsvPort {
  if (typeof Worker === 'function') {
    const worker = new Worker(new URL('./csvWorker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<CsvReply>) => onReply(event.data);
    worker.onerror = (event) => onReply({ kind: 'error', message: event.message });
    return { post: (request) => worker.postMessage(request), close: () => worker.terminate() };
  }
  // No workers in the unit tests' DOM: the same handler, loaded (papaparse stays out of
  // the page's chunk) and answering a task later, as a worker would.
  let open = true;
  const handler = import('./csvProtocol').then(({ csvHandler }) =>
    csvHandler((reply) => open && onReply(reply)),
  );
  return {
    post: (request) => void handler.then((handle) => open && handle(request)),
    close: () => (open = false),
  };
}

const noHeader: readonly string[] = [];
const noRows = { all: [], done: false };

export interface CsvRows {
  /** The first row of the file. */
  header: readonly string[];
  /** The other rows, in file order. */
  body: readonly (readonly string[])[];
  /** Which body rows to show, in order; undefined is all of them in file order. */
  order: Uint32Array | undefined;
  parsing: boolean;
  error: string | undefined;
}

export function useCsvRows(
  text: string,
  delimiter: string,
  filter: string,
  sort: SortState | undefined,
): CsvRows {
  const port = useRef<CsvPort>(undefined);
  const [rows, setRows] = useState<{ all: string[][]; done: boolean }>(noRows);
  const [view, setView] = useState<{ id: number; order: Uint32Array }>();
  const [error, setError] = useState<string>();
  const lastParse = useRef(0);
  const lastView = useRef(0);

  // Other text starts over at once; replies to the parse of the old text are dropped below.
  const [source, setSource] = useState({ text, delimiter });
  if (source.text !== text || source.delimiter !== delimiter) {
    setSource({ text, delimiter });
    setRows(noRows);
    setView(undefined);
    setError(undefined);
  }

  useEffect(() => {
    const opened = openCsvPort((reply) => {
      if (reply.kind === 'rows') {
        if (reply.parse === lastParse.current)
          setRows((current) => ({ all: current.all.concat(reply.rows), done: reply.done }));
      } else if (reply.kind === 'view') {
        if (reply.id === lastView.current) setView({ id: reply.id, order: reply.order });
      } else setError(reply.message);
    });
    port.current = opened;
    return () => opened.close();
  }, []);

  useEffect(() => {
    port.current?.post({ kind: 'parse', id: ++lastParse.current, text, delimiter });
  }, [text, delimiter]);

  const viewing = filter.trim() !== '' || sort !== undefined;
  useEffect(() => {
    if (!viewing) return;
    const id = ++lastView.current;
    port.current?.post({ kind: 'view', id, filter, sort });
    // A new parse, too, needs a new order: `text` is here for that.
  }, [viewing, filter, sort, text, delimiter]);

  const body = useMemo(() => rows.all.slice(1), [rows.all]);
  return {
    header: rows.all[0] ?? noHeader,
    body,
    // The last order until the next arrives, so typing in the filter does not flash all rows.
    order: viewing ? view?.order : undefined,
    parsing: !rows.done,
    error,
  };
}
