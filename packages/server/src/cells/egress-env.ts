/**
 * What programs in a cell with egress need beyond the proxy variables (which the agent
 * sets itself, given its proxy's port), whatever the driver: the pip index to use.
 */
import type { Config } from '../config';
import type { EgressSettings } from './driver';

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
