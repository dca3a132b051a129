/**
 * Finding and replacing a search's matches in one file's text. Pure functions, run on the
 * search worker's threads: a user's regular expression may take any time, and there a
 * time limit can stop it.
 */
import type { SearchMatch } from '@workcell/protocol';

import { WorkcellError } from '../errors';

export interface Pattern {
  text: string;
  regex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
}

/** Characters of a line a preview shows, and of them how many before the match. */
const PREVIEW_CHARS = 250;
const PREVIEW_BEFORE = 60;

/** A letter, digit or underscore in any script: what a whole word may not touch. */
const WORD_CHAR = '[\\p{L}\\p{N}_]';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The pattern as a global, multi-line, Unicode regular expression; INVALID_REGEX when the
 * user's is not one. Compiling runs nothing, so this is safe on the event loop.
 */
export function compilePattern(pattern: Pattern): RegExp {
  let source = pattern.regex ? pattern.text : escapeRegExp(pattern.text);
  if (pattern.wholeWord) source = `(?<!${WORD_CHAR})(?:${source})(?!${WORD_CHAR})`;
  try {
    return new RegExp(source, `gmu${pattern.caseSensitive ? '' : 'i'}`);
  } catch (error) {
    throw new WorkcellError(
      'INVALID_REGEX',
      `The search is not a valid regular expression: ${(error as Error).message}.`,
    );
  }
}

/** A match with where it starts, in lines and columns counted from 1, and its line's bounds. */
interface Located {
  match: RegExpExecArray;
  line: number;
  column: number;
  lineStart: number;
  lineEnd: number;
}

/** Every non-empty match of `regex` in `text`, in order, located in one pass over the lines. */
function* locate(text: string, regex: RegExp): Generator<Located> {
  regex.lastIndex = 0;
  let line = 1;
  let lineStart = 0;
  let lineBreak = text.indexOf('\n');
  for (let match = regex.exec(text); match; match = regex.exec(text)) {
    if (match[0] === '') {
      // An empty match (`^`, `a*`) is no result; step past it, a whole code point.
      regex.lastIndex += (text.codePointAt(match.index) ?? 0) > 0xffff ? 2 : 1;
      continue;
    }
    while (lineBreak !== -1 && lineBreak < match.index) {
      line += 1;
      lineStart = lineBreak + 1;
      lineBreak = text.indexOf('\n', lineStart);
    }
    let lineEnd = lineBreak === -1 ? text.length : lineBreak;
    if (text[lineEnd - 1] === '\r') lineEnd -= 1;
    yield { match, line, column: match.index - lineStart + 1, lineStart, lineEnd };
  }
}

/** The match's line, cut to PREVIEW_CHARS around the match. */
function preview(text: string, { match, lineStart, lineEnd }: Located) {
  const start =
    lineEnd - lineStart <= PREVIEW_CHARS
      ? lineStart
      : Math.max(lineStart, match.index - PREVIEW_BEFORE);
  const end = Math.min(lineEnd, start + PREVIEW_CHARS);
  return { preview: text.slice(start, end), previewOffset: match.index - start };
}

/** The first `limit` matches in `text`, and whether there were more. */
export function findMatches(
  text: string,
  regex: RegExp,
  limit: number,
): { matches: SearchMatch[]; more: boolean } {
  const matches: SearchMatch[] = [];
  for (const found of locate(text, regex)) {
    if (matches.length === limit) return { matches, more: true };
    matches.push({
      line: found.line,
      column: found.column,
      length: found.match[0].length,
      ...preview(text, found),
    });
  }
  return { matches, more: false };
}

/**
 * `template` with `$$`, `$&`, `` $` ``, `$'`, `$n` and `$<name>` replaced as
 * String.prototype.replace would for this match (which offers no way to expand one match
 * of several).
 */
function expand(template: string, match: RegExpExecArray): string {
  return template.replace(
    /\$(\$|&|`|'|\d{1,2}|<([^>]*)>)/g,
    (token, what: string, name?: string) => {
      if (what === '$') return '$';
      if (what === '&') return match[0];
      if (what === '`') return match.input.slice(0, match.index);
      if (what === "'") return match.input.slice(match.index + match[0].length);
      if (name !== undefined) return match.groups ? (match.groups[name] ?? '') : token;
      const two = Number(what);
      if (what.length === 2 && two >= 1 && two < match.length) return match[two] ?? '';
      const one = Number(what[0]);
      if (one >= 1 && one < match.length) return (match[one] ?? '') + what.slice(1);
      return token;
    },
  );
}

/**
 * `text` with its matches replaced: all of them, or those starting at `only`
 * (`line:column`). A literal search's replacement is literal; a regular expression's
 * expands `$1` and the like.
 */
export function replaceMatches(
  text: string,
  regex: RegExp,
  pattern: Pattern,
  replacement: string,
  only: ReadonlySet<string> | undefined,
): { text: string; replacements: number } {
  const parts: string[] = [];
  let copied = 0;
  let replacements = 0;
  for (const found of locate(text, regex)) {
    if (only && !only.has(`${found.line}:${found.column}`)) continue;
    parts.push(text.slice(copied, found.match.index));
    parts.push(pattern.regex ? expand(replacement, found.match) : replacement);
    copied = found.match.index + found.match[0].length;
    replacements += 1;
  }
  parts.push(text.slice(copied));
  return { text: parts.join(''), replacements };
}
