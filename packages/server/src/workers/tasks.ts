/**
 * Work too big for the event loop, done on the pool's threads (pool.ts): everything here
 * takes time in proportion to a request's size (tens of milliseconds for 10 MiB), which on
 * the main thread every other user would wait out.
 */
import { JsonTooDeepError, parseBoundedJson } from '@workcell/protocol';

import { encodeContent } from '../files/content';

export const tasks = {
  /** A request body's JSON (depth-bounded first), from its bytes. */
  parseJson(body: Uint8Array): { value: unknown } | { refused: 'too-deep' | 'not-json' } {
    try {
      return { value: parseBoundedJson(Buffer.from(body).toString()) };
    } catch (error) {
      return { refused: error instanceof JsonTooDeepError ? 'too-deep' : 'not-json' };
    }
  },

  /** The JSON text of a file with its content (text, or base64 when not UTF-8). */
  fileJson(input: { bytes: Uint8Array; fields: Record<string, unknown> }): string {
    return JSON.stringify({ ...input.fields, ...encodeContent(input.bytes) });
  },
};

export type Tasks = typeof tasks;

/** A pool thread's entry: runs the task a call names. */
export default function run({ task, input }: { task: keyof Tasks; input: never }): unknown {
  return tasks[task](input);
}
