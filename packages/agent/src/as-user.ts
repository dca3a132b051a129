/**
 * How user code is started when it runs as another user than the agent: through setpriv,
 * started as the agent, which empties the bounding, inheritable and ambient capability
 * sets (the agent holds CAP_SETPCAP for this) and then switches to the user, which empties
 * the permitted and effective ones. Nothing user code runs can regain a capability, and
 * nothing of the agent's (or a launcher's) is within its reach: they stay another uid.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

import { AgentFailure } from './failure';

export const SETPRIV = '/usr/bin/setpriv';

export function asUser(
  argv: readonly string[],
  user: { uid: number; gid: number } | undefined,
): string[] {
  if (!user) return [...argv];
  return [
    SETPRIV,
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    '--clear-groups',
    '--bounding-set=-all',
    '--inh-caps=-all',
    '--ambient-caps=-all',
    '--',
    ...argv,
  ];
}

/**
 * Fails with NOT_FOUND unless `file` names a program, found as execvp would find it:
 * through setpriv a missing program would start (setpriv) and only then fail.
 */
export async function requireProgram(file: string, searchPath = '/usr/bin:/bin'): Promise<void> {
  const candidates = file.includes('/')
    ? [file]
    : searchPath
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, file));
  for (const candidate of candidates) {
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return;
  }
  throw new AgentFailure('NOT_FOUND', `${file}: no such program`);
}
