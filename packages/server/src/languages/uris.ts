/**
 * The browser names files `file:///workspace/<path>`; the language server in the cell sees
 * them at the cell's real workspace directory. Every URI in a message is rewritten on the
 * way through, in both directions, so the browser never needs to know where the cell keeps
 * its files. Strings are rewritten wherever they sit in the message (a URI may be a key,
 * as in a WorkspaceEdit's `changes`), but only when they start with the prefix exactly.
 */
export const CLIENT_ROOT_URI = 'file:///workspace';

export interface UriMapping {
  from: string;
  to: string;
}

/**
 * A copy of `value` with every URI string (values and keys) under `from` moved under `to`.
 * Iterative, so no input can overflow the stack; the value's nesting is bounded before it
 * gets here (parseBoundedJson).
 */
export function rewriteUris(value: unknown, mapping: UriMapping): unknown {
  let result: unknown;
  const work: [source: unknown, assign: (copy: unknown) => void][] = [
    [value, (copy) => (result = copy)],
  ];
  for (let next = work.pop(); next; next = work.pop()) {
    const [source, assign] = next;
    if (typeof source === 'string') {
      assign(rewriteUri(source, mapping));
    } else if (Array.isArray(source)) {
      const copy: unknown[] = new Array(source.length);
      assign(copy);
      source.forEach((item, index) => work.push([item, (rewritten) => (copy[index] = rewritten)]));
    } else if (typeof source === 'object' && source !== null) {
      // No prototype: a `__proto__` key stays a key.
      const copy = Object.create(null) as Record<string, unknown>;
      assign(copy);
      for (const [key, item] of Object.entries(source)) {
        const rewrittenKey = rewriteUri(key, mapping);
        copy[rewrittenKey] = undefined; // keeps the keys' order
        work.push([item, (rewritten) => (copy[rewrittenKey] = rewritten)]);
      }
    } else {
      assign(source);
    }
  }
  return result;
}

function rewriteUri(value: string, { from, to }: UriMapping): string {
  if (value === from) return to;
  return value.startsWith(`${from}/`) ? to + value.slice(from.length) : value;
}

/** `/app` → `file:///app`. */
export const fileUri = (path: string) =>
  `file://${path.split('/').map(encodeURIComponent).join('/')}`;
