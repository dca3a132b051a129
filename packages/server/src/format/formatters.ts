/**
 * Which formatter formats a file, and what its run means. The formatter runs in the
 * workspace's cell, found there by a small shell script: the workspace's `.venv/bin` first
 * (the project pins its own), then the cell's PATH, which holds pip's user installs
 * (`/app/.local/bin`, cellShellEnv) before the system's black and isort. Each is told the
 * file's path, so the project's configuration applies; isort finds it from the workspace
 * root instead (Debian 12's isort 5.6 has no --filename). Ruff is preferred
 * where present: it does both jobs and is what a project that installed it expects.
 */
import type { FormatAction, FormatterName } from '@workcell/protocol';

import { WorkcellError } from '../errors';

/** The script's exit status when no formatter for the action is installed. */
const NOT_FOUND_EXIT = 3;
/** The first line of stdout names the formatter that ran; the rest is its output. */
const HEADER = 'workcell-formatter:';

/** `sh -c FIND_AND_RUN sh <action> <path>`, in the workspace root, the content on stdin. */
export const FIND_AND_RUN = `
PATH="$PWD/.venv/bin:$PATH"
run() { printf '${HEADER}%s\\n' "$1"; exec "$@"; }
has() { command -v "$1" >/dev/null 2>&1; }
case "$1" in
  format)
    if has ruff; then run ruff format --stdin-filename "$2" -
    elif has black; then run black --quiet --stdin-filename "$2" -
    fi ;;
  organize-imports)
    if has ruff; then run ruff check --select I --fix --quiet --stdin-filename "$2" -
    elif has isort; then run isort --quiet -
    fi ;;
esac
exit ${NOT_FOUND_EXIT}
`;

export const findAndRunArgv = (action: FormatAction, path: string): string[] => [
  'sh',
  '-c',
  FIND_AND_RUN,
  'sh',
  action,
  path,
];

const installHint: Record<FormatAction, string> = {
  format: 'Install black or ruff in the workspace: pip install black',
  'organize-imports': 'Install isort or ruff in the workspace: pip install isort',
};

/** How much of a formatter's complaint the user is shown. */
const MAX_MESSAGE_CHARS = 2000;

export interface FormatterRun {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stdoutTruncated: boolean;
  stderr: string;
}

/** The formatted content and who formatted it, or the error the user should see. */
export function formatOutcome(
  action: FormatAction,
  path: string,
  run: FormatterRun,
): { content: string; formatter: FormatterName } {
  const newline = run.stdout.indexOf('\n');
  const header = newline < 0 ? '' : run.stdout.slice(0, newline);
  if (!header.startsWith(HEADER)) {
    if (run.exitCode === NOT_FOUND_EXIT)
      throw new WorkcellError('FORMATTER_NOT_FOUND', `${installHint[action]}.`);
    throw new WorkcellError('FORMAT_FAILED', `No formatter could run: ${trimmed(run.stderr)}`);
  }
  const formatter = header.slice(HEADER.length) as FormatterName;
  if (run.timedOut)
    throw new WorkcellError('TIMEOUT', `${formatter} took too long to format ${path}.`);
  if (run.stdoutTruncated)
    throw new WorkcellError('FORMAT_FAILED', `${formatter}'s output for ${path} was too large.`);
  if (run.exitCode !== 0)
    throw new WorkcellError(
      'FORMAT_FAILED',
      `${formatter} could not format ${path}: ${trimmed(run.stderr) || `it exited with status ${run.exitCode}`}`,
    );
  return { content: run.stdout.slice(newline + 1), formatter };
}

function trimmed(text: string): string {
  const clean = text.trim();
  return clean.length > MAX_MESSAGE_CHARS ? `${clean.slice(0, MAX_MESSAGE_CHARS)}…` : clean;
}
