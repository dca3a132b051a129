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

export function rewriteUris(value: unknown, { from, to }: UriMapping): unknown {
  if (typeof value === 'string') {
    if (value === from) return to;
    return value.startsWith(`${from}/`) ? to + value.slice(from.length) : value;
  }
  if (Array.isArray(value)) return value.map((item) => rewriteUris(item, { from, to }));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[rewriteUris(key, { from, to }) as string] = rewriteUris(item, { from, to });
    }
    return out;
  }
  return value;
}

/** `/app` → `file:///app`. */
export const fileUri = (path: string) =>
  `file://${path.split('/').map(encodeURIComponent).join('/')}`;
