/**
 * Field validation with the server's own zod schemas (from @workcell/protocol), so the form
 * refuses exactly what the server would refuse, worded for a person.
 */

/** The part of a zod schema a field needs; structural, so the web app does not import zod. */
export interface FieldSchema {
  safeParse(value: unknown): FieldParse;
}
type FieldParse =
  | { success: true }
  | {
      success: false;
      error: { issues: readonly { code: string; message: string; maximum?: unknown }[] };
    };

/**
 * The first problem with `value` as a sentence, or undefined when the schema accepts it.
 * An empty value gets `required`, since zod's "too small" says nothing useful there.
 */
export function validateField(
  schema: FieldSchema,
  value: string,
  required: string,
): string | undefined {
  if (value.trim() === '') return required;
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  if (!issue) return 'This value is not accepted.';
  if (issue.code === 'too_big' && typeof issue.maximum === 'number')
    return `Use at most ${issue.maximum} characters.`;
  return sentence(issue.message);
}

/** "use at least 8 characters" → "Use at least 8 characters." */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
