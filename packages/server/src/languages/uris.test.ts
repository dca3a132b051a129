import { MAX_JSON_DEPTH } from '@workcell/protocol';
import { describe, expect, it } from 'vitest';

import { ContentLengthDecoder, encodeContentLength, FramingError } from './jsonrpc';
import { rewriteUris } from './uris';

const mapping = { from: 'file:///workspace', to: 'file:///app' };

describe('URI rewriting', () => {
  it('rewrites values and keys under the prefix, keeping key order and __proto__ as a key', () => {
    const message = JSON.parse(
      '{"changes":{"file:///workspace/a.py":[{"uri":"file:///workspace"}],"other":"file:///workspaces/x"},"__proto__":{"uri":"file:///workspace/b.py"}}',
    ) as unknown;
    const rewritten = rewriteUris(message, mapping) as Record<string, unknown>;
    expect(JSON.stringify(rewritten)).toBe(
      '{"changes":{"file:///app/a.py":[{"uri":"file:///app"}],"other":"file:///workspaces/x"},"__proto__":{"uri":"file:///app/b.py"}}',
    );
    expect(Object.getPrototypeOf(rewritten)).toBeNull();
  });

  it('walks the deepest message allowed without recursion', () => {
    let deep: unknown = 'file:///workspace/x.py';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let rewritten = rewriteUris(deep, mapping);
    for (let i = 0; i < 100_000; i++) rewritten = (rewritten as unknown[])[0];
    expect(rewritten).toBe('file:///app/x.py');
  });
});

describe('the language server stream', () => {
  it('breaks the framing on a message nested deeper than the limit', () => {
    const decoder = new ContentLengthDecoder();
    const body = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    expect(() =>
      decoder.push(Buffer.from(`Content-Length: ${body.length}\r\n\r\n${body}`)),
    ).toThrow(FramingError);
    expect(new ContentLengthDecoder().push(encodeContentLength({ a: [[1]] }))).toEqual([
      { a: [[1]] },
    ]);
  });
});
