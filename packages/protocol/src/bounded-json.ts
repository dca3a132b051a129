/**
 * JSON from someone Workcell does not trust (a browser, a cell, a language server in a
 * cell), parsed only after its nesting has been bounded. Every later walk of the value
 * (URI rewriting, validation, JSON.stringify) may then recurse safely, and JSON.parse
 * itself never builds a structure that takes it long to build: V8 parses a few megabytes
 * nested a million deep in over half a second, blocking every user, and
 * JSON.stringify of it overflows the stack.
 */

/** Deeper than anything the LSP, the WebSocket protocol or the agent protocol sends. */
export const MAX_JSON_DEPTH = 64;

export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nested deeper than ${maxDepth} levels is refused.`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`. One pass over the
 * text, jumping over strings (a file's content is mostly one string); malformed text is
 * left for JSON.parse to refuse.
 */
export function jsonDepthExceeds(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = closingQuote(text, i + 1);
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** The index of the quote that ends the string starting at `from` (the text's end if none). */
function closingQuote(text: string, from: number): number {
  for (let quote = text.indexOf('"', from); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return text.length;
}

/** JSON.parse after the depth check: throws JsonTooDeepError, or SyntaxError for bad JSON. */
export function parseBoundedJson(text: string, maxDepth: number = MAX_JSON_DEPTH): unknown {
  if (jsonDepthExceeds(text, maxDepth)) throw new JsonTooDeepError(maxDepth);
  return JSON.parse(text) as unknown;
}
