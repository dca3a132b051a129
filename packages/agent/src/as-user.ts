/**
 * How user code is started when it runs as another user than the agent: through setpriv,
 * started as the agent, which empties the bounding, inheritable and ambient capability
 * sets (the agent holds CAP_SETPCAP for this) and then switches to the user, which empties
 * the permitted and effective ones. Nothing user code runs can regain a capability, and
 * nothing of the agent's (or a launcher's) is within its reach: they stay another uid.
 */
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
