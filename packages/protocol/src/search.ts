/**
 * Search and replace across a workspace's files: the query (a URL query string), the
 * reply grouped by file, and the replace body and reply. Lines and columns count from 1,
 * in UTF-16 code units as the editor does.
 */
import * as z from 'zod';

export const SEARCH_TEXT_MAX_CHARS = 1000;
/** A comma-separated glob list, all of it. */
export const SEARCH_GLOBS_MAX_CHARS = 1000;
export const SEARCH_MAX_RESULTS = 10_000;
export const SEARCH_DEFAULT_RESULTS = 2000;
export const REPLACEMENT_MAX_CHARS = 10_000;
export const REPLACE_MAX_FILES = 5000;
export const REPLACE_MAX_MATCHES_PER_FILE = 10_000;

const flag = (what: string) => z.stringbool().default(false).describe(what);
const globs = (what: string) =>
  z
    .string()
    .max(SEARCH_GLOBS_MAX_CHARS)
    .default('')
    .describe(
      `${what}: comma-separated globs over workspace paths (\`src/**\`, \`*.py\`: a glob without a slash matches a name in any folder)`,
    );

/** What a search looks for; shared by the search and the replace. */
const pattern = {
  text: z
    .string()
    .min(1)
    .max(SEARCH_TEXT_MAX_CHARS)
    .describe('The text, or a JavaScript regular expression when `regex` is true'),
  regex: flag('Whether `text` is a regular expression'),
  caseSensitive: flag('Whether case must match'),
  wholeWord: flag('Whether a match must not touch a letter, digit or underscore either side'),
};

/** Without an OpenAPI id: a query string's parameters are listed inline, never as a reference. */
export const searchQuery = z.object({
  ...pattern,
  include: globs('Search only these files'),
  exclude: globs('Skip these files'),
  maxResults: z
    .string()
    .regex(/^[1-9][0-9]{0,5}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().max(SEARCH_MAX_RESULTS))
    .default(SEARCH_DEFAULT_RESULTS)
    .describe('Matches at most; the reply says `truncated` when there were more'),
});
/** The query as the server reads it. */
export type SearchQuery = z.output<typeof searchQuery>;

export const searchMatch = z
  .object({
    line: z.number().int(),
    column: z.number().int(),
    /** In UTF-16 code units; a match across lines counts its line breaks. */
    length: z.number().int(),
    /** The match's line, cut to about 250 characters around the match. */
    preview: z.string(),
    /** Where the match starts in `preview` (0-based). */
    previewOffset: z.number().int(),
  })
  .meta({ id: 'SearchMatch' });
export type SearchMatch = z.infer<typeof searchMatch>;

export const searchFile = z
  .object({
    path: z.string(),
    /** The version searched: a replace based on this search sends it back. */
    version: z.number().int(),
    matches: z.array(searchMatch),
  })
  .meta({ id: 'SearchFile' });
export type SearchFile = z.infer<typeof searchFile>;

export const searchReply = z
  .object({
    files: z.array(searchFile),
    /** More matches than `maxResults`: the search stopped there. */
    truncated: z.boolean(),
    filesSearched: z.number().int(),
    /** Files the globs let through but the search did not read. */
    filesSkipped: z.object({
      /** Not UTF-8 text. */
      binary: z.number().int(),
      /** Larger than the server searches (SEARCH_MAX_FILE_BYTES). */
      tooLarge: z.number().int(),
    }),
  })
  .meta({ id: 'SearchReply' });
export type SearchReply = z.infer<typeof searchReply>;

/** A match by where it starts, as the search answered it. */
export const matchPosition = z.object({
  line: z.number().int().min(1),
  column: z.number().int().min(1),
});

export const replaceBody = z
  .object({
    text: pattern.text,
    regex: z.boolean().default(false),
    caseSensitive: z.boolean().default(false),
    wholeWord: z.boolean().default(false),
    replacement: z
      .string()
      .max(REPLACEMENT_MAX_CHARS)
      .describe(
        'The new text; with `regex`, `$1`, `$<name>` and `$&` insert what the match captured',
      ),
    files: z
      .array(
        z.object({
          path: z.string(),
          version: z
            .number()
            .int()
            .min(1)
            .describe('The version the search answered: a file changed since is refused (409)'),
          matches: z
            .array(matchPosition)
            .max(REPLACE_MAX_MATCHES_PER_FILE)
            .optional()
            .describe('Replace only the matches starting here; every match when absent'),
        }),
      )
      .min(1)
      .max(REPLACE_MAX_FILES),
  })
  .meta({ id: 'ReplaceBody' });
export type ReplaceBody = z.input<typeof replaceBody>;

export const replacedFile = z
  .object({
    path: z.string(),
    version: z.number().int(),
    previousVersion: z.number().int(),
    /** The revision holding the content before: restoring it undoes the replace. */
    revision: z.number().int().nullable(),
    replacements: z.number().int(),
  })
  .meta({ id: 'ReplacedFile' });
export type ReplacedFile = z.infer<typeof replacedFile>;

export const replaceReply = z
  .object({
    /** The files written: one new version each; a file with nothing to replace is left as it was. */
    files: z.array(replacedFile),
  })
  .meta({ id: 'ReplaceReply' });
export type ReplaceReply = z.infer<typeof replaceReply>;
