/** `POST /api/workspace/{uuid}/format`: a Python file's text formatted by a formatter in the cell. */
import * as z from 'zod';

export const FORMAT_MAX_CONTENT_CHARS = 2 * 1024 * 1024;

export const formatAction = z.enum(['format', 'organize-imports']);
export type FormatAction = z.infer<typeof formatAction>;

export const formatterName = z.enum(['ruff', 'black', 'isort']);
export type FormatterName = z.infer<typeof formatterName>;

export const formatBody = z.strictObject({
  path: z
    .string()
    .max(4096)
    .describe('The workspace file the content is of: the formatter reads its configuration for it'),
  content: z.string().max(FORMAT_MAX_CONTENT_CHARS),
  action: formatAction.describe(
    '`format`: ruff format, else black; `organize-imports`: ruff check --select I --fix, else isort',
  ),
});
export type FormatBody = z.infer<typeof formatBody>;

export const formatResult = z.object({ content: z.string(), formatter: formatterName });
export type FormatResult = z.infer<typeof formatResult>;
