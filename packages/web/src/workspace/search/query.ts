/**
 * What the Search view asks for, and its URL form for `GET /api/workspace/{uuid}/search`.
 */
import type { ReplaceBody, SearchReply } from '@workcell/protocol';

export interface SearchRequest {
  text: string;
  regex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
  /** Comma-separated globs; empty for every file. */
  include: string;
  exclude: string;
}

/** The query string of a search (the defaults left out). */
export function searchParams(request: SearchRequest): URLSearchParams {
  const params = new URLSearchParams({ text: request.text });
  for (const flag of ['regex', 'caseSensitive', 'wholeWord'] as const) {
    if (request[flag]) params.set(flag, 'true');
  }
  if (request.include.trim()) params.set('include', request.include);
  if (request.exclude.trim()) params.set('exclude', request.exclude);
  return params;
}

/**
 * The replace of a search's matches: every match of the files found, or only the one at
 * `only` (its file and position); each file at the version the search answered.
 */
export function replaceBody(
  request: SearchRequest,
  replacement: string,
  reply: SearchReply,
  only?: { path: string; line: number; column: number },
): ReplaceBody {
  const files = only
    ? reply.files
        .filter((file) => file.path === only.path)
        .map(({ path, version }) => ({
          path,
          version,
          matches: [{ line: only.line, column: only.column }],
        }))
    : reply.files.map(({ path, version }) => ({ path, version }));
  const { text, regex, caseSensitive, wholeWord } = request;
  return { text, regex, caseSensitive, wholeWord, replacement, files };
}
