// A pool thread's entry (see pool.ts): loads the TypeScript tasks through tsx, which a
// worker thread does not inherit from a test runner, and runs the one each message names.
import { tsImport } from 'tsx/esm/api';

const { tasks } = await tsImport('./tasks.ts', import.meta.url);

export default function run({ task, input }) {
  return tasks[task](input);
}
