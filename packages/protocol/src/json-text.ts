import * as z from 'zod/mini';

/**
 * A string holding JSON, parsed and then checked against `schema` (settings from the
 * environment). Built with zod/mini, which the agent uses; takes a schema of either API.
 */
export function jsonText<T extends z.core.$ZodType>(schema: T) {
  return z.pipe(
    z.pipe(
      z.string(),
      z.transform((text: string, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.issues.push({ code: 'custom', message: 'is not JSON', input: text });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );
}
