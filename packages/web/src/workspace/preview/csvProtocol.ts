/**
 * What the page and the CSV worker say to each other, and the worker's side of it. The
 * page's side (csvSource.ts) runs this same handler on its own thread where there are no
 * workers (the unit tests' DOM).
 */
import Papa from 'papaparse';

import { TableIndex, type SortState } from './tableView';

export type CsvRequest =
  | { kind: 'parse'; id: number; text: string; delimiter: string }
  | { kind: 'view'; id: number; filter: string; sort: SortState | undefined };

export type CsvReply =
  /** Rows in file order; the first chunk's first row is the header. */
  | { kind: 'rows'; parse: number; rows: string[][]; done: boolean }
  | { kind: 'view'; id: number; order: Uint32Array }
  | { kind: 'error'; message: string };

export type Post = (message: CsvReply, transfer?: Transferable[]) => void;

/** Rows per message: copying one chunk into the page takes a few milliseconds. */
export const rowsPerChunk = 5000;

/** The worker's side: one parsed table at a time, replaced by the next parse. */
export function csvHandler(post: Post): (request: CsvRequest) => void {
  let table = new TableIndex();
  return (request) => {
    if (request.kind === 'view') {
      const order = table.view(request.filter, request.sort);
      post({ kind: 'view', id: request.id, order }, [order.buffer]);
      return;
    }
    table = new TableIndex();
    let chunk: string[][] = [];
    let header = true;
    const send = (done: boolean) => {
      // Only the body is sorted and filtered; the header stays on top.
      table.add(header ? chunk.slice(1) : chunk);
      header &&= chunk.length === 0;
      post({ kind: 'rows', parse: request.id, rows: chunk, done });
      chunk = [];
    };
    Papa.parse<string[]>(request.text, {
      skipEmptyLines: true,
      delimiter: request.delimiter,
      step: ({ data }) => {
        chunk.push(data);
        if (chunk.length >= rowsPerChunk) send(false);
      },
      complete: () => send(true),
    });
  };
}
