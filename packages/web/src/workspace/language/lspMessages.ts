/**
 * What the workspace's LSP transport reads in and rewrites of the messages between
 * Monaco's LSP client and pyright: plain JSON, no Monaco (lspTransport.ts applies them).
 */

/** The methods that open, change and close a document on the server. */
export const SYNC_METHODS = new Set([
  'textDocument/didOpen',
  'textDocument/didChange',
  'textDocument/didClose',
]);

/** The requests answered with locations, in files that may have no model yet. */
export const LOCATION_METHODS = new Set([
  'textDocument/definition',
  'textDocument/declaration',
  'textDocument/typeDefinition',
  'textDocument/implementation',
  'textDocument/references',
]);

/** The files a WorkspaceEdit changes. */
export function editUris(edit: unknown): string[] {
  if (typeof edit !== 'object' || edit === null) return [];
  const { changes, documentChanges } = edit as {
    changes?: Record<string, unknown>;
    documentChanges?: { textDocument?: { uri?: unknown } }[];
  };
  const uris = Object.keys(changes ?? {});
  for (const change of documentChanges ?? []) {
    const uri = change?.textDocument?.uri;
    if (typeof uri === 'string') uris.push(uri);
  }
  return [...new Set(uris)];
}

/** The files of a location answer: a Location, a LocationLink, a list of either, or null. */
export function locationUris(result: unknown): string[] {
  const list: unknown[] = Array.isArray(result) ? result : result ? [result] : [];
  const uris = new Set<string>();
  for (const location of list) {
    if (typeof location !== 'object' || location === null) continue;
    const { uri, targetUri } = location as { uri?: unknown; targetUri?: unknown };
    const target = typeof targetUri === 'string' ? targetUri : uri;
    if (typeof target === 'string') uris.add(target);
  }
  return [...uris];
}

interface Position {
  line: number;
  character: number;
}

interface CompletionItem {
  label: string;
  insertText?: string;
  textEdit?: unknown;
  [key: string]: unknown;
}

type CompletionResult =
  CompletionItem[] | { items: CompletionItem[]; [key: string]: unknown } | null | undefined;

/**
 * A completion answer whose items without a text edit replace `range` (the word typed so
 * far): Monaco filters and ranks an item by the text its edit replaces.
 */
export function withEditRange(
  result: CompletionResult,
  range: { start: Position; end: Position },
): CompletionResult {
  if (!result) return result;
  const fix = (item: CompletionItem): CompletionItem =>
    item.textEdit ? item : { ...item, textEdit: { range, newText: item.insertText ?? item.label } };
  return Array.isArray(result) ? result.map(fix) : { ...result, items: result.items.map(fix) };
}
