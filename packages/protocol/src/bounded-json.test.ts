import { describe, expect, it } from 'vitest';

import {
  jsonDepthExceeds,
  JsonTooDeepError,
  MAX_JSON_DEPTH,
  parseBoundedJson,
} from './bounded-json';

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('bounded JSON', () => {
  it('parses what nests up to the limit, refuses one level more', () => {
    expect(parseBoundedJson(nested(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(() => parseBoundedJson(nested(MAX_JSON_DEPTH + 1))).toThrow(JsonTooDeepError);
    expect(() => parseBoundedJson('{"a":'.repeat(100) + '1' + '}'.repeat(100))).toThrow(
      JsonTooDeepError,
    );
  });

  it('refuses 5,000 arrays deep without parsing them', () => {
    expect(jsonDepthExceeds(`{"jsonrpc":"2.0","method":"x","params":${nested(5000)}}`)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ text: `${nested(500)} \\" "${'['.repeat(500)}`, n: [[1]] });
    expect(jsonDepthExceeds(text, 3)).toBe(false);
    expect(parseBoundedJson(text, 3)).toEqual(JSON.parse(text));
    // A string ending in an escaped backslash still ends there.
    expect(jsonDepthExceeds(JSON.stringify(['a\\', [[[1]]]]), 3)).toBe(true);
  });

  it('leaves malformed text to JSON.parse', () => {
    expect(() => parseBoundedJson('{"a": ')).toThrow(SyntaxError);
    expect(() => parseBoundedJson('"unterminated')).toThrow(SyntaxError);
  });
});
