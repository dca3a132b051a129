/**
 * Run configurations: the arguments and environment variables a file runs with,
 * remembered per workspace and file. Behind `RunConfigurations` so where they are kept
 * (the workspace's state: state/storedRunConfigurations.ts) is not the business of who
 * uses them.
 */
import { ENV_NAME, MAX_RUN_ARGS, MAX_RUN_ENV } from '@workcell/protocol';
import { parse as parseShellWords, quote } from 'shell-quote';

export interface RunConfig {
  args: string[];
  env: Record<string, string>;
}

export const EMPTY_RUN_CONFIG: RunConfig = { args: [], env: {} };

export interface RunConfigurations {
  get(path: string): RunConfig;
  set(path: string, config: RunConfig): void;
}

/** Splits arguments as a shell would (quotes, escapes), without expanding anything. */
export function parseArgs(text: string): { args: string[] } | { error: string } {
  const words = parseShellWords(text, (name) => `$${name}`);
  if (words.some((word) => typeof word !== 'string'))
    return { error: 'Use plain words and quotes: operators like | > ; & are no arguments here.' };
  const args = words as string[];
  if (args.length > MAX_RUN_ARGS) return { error: `At most ${MAX_RUN_ARGS} arguments.` };
  return { args };
}

/** `NAME=value` lines; blank lines and `#` comments are skipped. */
export function parseEnv(text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    const name = equals < 0 ? line : line.slice(0, equals);
    if (equals < 0 || !ENV_NAME.test(name))
      return { error: `Line ${index + 1}: write NAME=value, NAME in letters, digits and _.` };
    env[name] = line.slice(equals + 1);
  }
  if (Object.keys(env).length > MAX_RUN_ENV) return { error: `At most ${MAX_RUN_ENV} variables.` };
  return { env };
}

/** The arguments as text that `parseArgs` reads back the same. */
export function formatArgs(args: readonly string[]): string {
  return quote([...args]);
}

export function formatEnv(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
}
