import { describe, expect, it } from 'vitest';

import { csvHandler, rowsPerChunk, type CsvReply } from './csvProtocol';

function run(text: string, delimiter = '') {
  const replies: CsvReply[] = [];
  const handle = csvHandler((reply) => replies.push(reply));
  handle({ kind: 'parse', id: 7, text, delimiter });
  return { replies, handle };
}

describe('the CSV worker', () => {
  it('sends a long file in chunks, the header first, the last chunk marked done', () => {
    const lines = ['n,square', ...Array.from({ length: 12_000 }, (_, n) => `${n},${n * n}`)];
    const { replies } = run(lines.join('\n'));
    const chunks = replies.filter((reply) => reply.kind === 'rows');
    expect(chunks.map((chunk) => chunk.rows.length)).toEqual([rowsPerChunk, rowsPerChunk, 2001]);
    expect(chunks.map((chunk) => chunk.done)).toEqual([false, false, true]);
    expect(chunks.every((chunk) => chunk.parse === 7)).toBe(true);
    expect(chunks[0]!.rows[0]).toEqual(['n', 'square']);
    expect(chunks[2]!.rows.at(-1)).toEqual(['11999', String(11999 * 11999)]);
  });

  it('sorts and filters the body only, the header never among the rows', () => {
    const { replies, handle } = run('name\tage\nada\t36\nbob\t4\n\ncy\t19\n', '\t');
    handle({ kind: 'view', id: 1, filter: '', sort: { column: 1, direction: 'ascending' } });
    handle({ kind: 'view', id: 2, filter: 'A', sort: undefined });
    const views = replies.filter((reply) => reply.kind === 'view');
    expect(views.map((view) => [view.id, [...view.order]])).toEqual([
      [1, [1, 2, 0]],
      [2, [0]],
    ]);
  });
});
