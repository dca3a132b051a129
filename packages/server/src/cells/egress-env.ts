/**
 * The environment of user code in a cell, whatever the driver, beyond the agent's own
 * defaults: where pip installs, and with egress the pip index to use (the proxy variables
 * the agent sets itself, given its proxy's port).
 */
import { defaultShellEnv } from '@workcell/agent';

import type { Config } from '../config';
import type { EgressSettings } from './driver';

/** The user code's environment in a cell whose workspace is `root` and home `home`. */
export function cellShellEnv(
  root: string,
  home: string,
  egress: EgressSettings | undefined,
): Record<string, string> {
  const base = defaultShellEnv(home);
  // Outside a venv pip installs for the user (/usr is read-only anyway), into the
  // workspace: the local driver's volume outlives the cell, home is a tmpfs. `.local` is
  // in SYNC_IGNORE, so it stays out of the database.
  const userBase = `${root}/.local`;
  return {
    ...base,
    PIP_BREAK_SYSTEM_PACKAGES: '1',
    PYTHONUSERBASE: userBase,
    PATH: `${userBase}/bin:${base.PATH}`,
    ...(egress && egressShellEnv(egress)),
  };
}

/** A cell's egress under the configuration: none while CELL_EGRESS_ALLOW is empty. */
export function egressSettings(config: Config): EgressSettings | undefined {
  if (config.CELL_EGRESS_ALLOW.empty) return undefined;
  return { pipIndexUrl: config.CELL_PIP_INDEX_URL };
}

export function egressShellEnv(egress: EgressSettings): Record<string, string> {
  if (egress.pipIndexUrl === undefined) return {};
  const { protocol, host } = new URL(egress.pipIndexUrl);
  return {
    PIP_INDEX_URL: egress.pipIndexUrl,
    // pip ignores an index over plain HTTP unless told to trust its host: a mirror on the
    // operator's network may well be one.
    ...(protocol === 'http:' && { PIP_TRUSTED_HOST: host }),
  };
}
