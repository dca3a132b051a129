import { describe, expect, it } from 'vitest';

import { loadConfig } from '../config';
import { egressSettings, egressShellEnv } from './egress-env';
import { cellObjects } from './kubernetes/pod-template';
import { defaultCellLimits } from './limits';

describe("a cell's egress settings", () => {
  it('are none without CELL_EGRESS_ALLOW, the pip index with it', () => {
    expect(egressSettings(loadConfig({ CELL_PIP_INDEX_URL: 'https://pypi.org/simple/' }))).toBe(
      undefined,
    );
    expect(
      egressSettings(
        loadConfig({
          CELL_EGRESS_ALLOW: 'pypi.org',
          CELL_PIP_INDEX_URL: 'https://pypi.org/simple/',
        }),
      ),
    ).toEqual({ pipIndexUrl: 'https://pypi.org/simple/' });
  });

  it('point pip at the index, trusting its host only over plain HTTP', () => {
    expect(egressShellEnv({})).toEqual({});
    expect(egressShellEnv({ pipIndexUrl: 'https://mirror.example/simple/' })).toEqual({
      PIP_INDEX_URL: 'https://mirror.example/simple/',
    });
    expect(egressShellEnv({ pipIndexUrl: 'http://mirror.example:8080/simple/' })).toEqual({
      PIP_INDEX_URL: 'http://mirror.example:8080/simple/',
      PIP_TRUSTED_HOST: 'mirror.example:8080',
    });
  });

  it("give a cell pod's agent its proxy port and pip's settings, and none without egress", () => {
    const env = (egress?: { pipIndexUrl?: string }) =>
      cellObjects('cell-1', { image: 'workcell-cell', limits: defaultCellLimits(), egress }, 'warm')
        .pod.spec!.containers[0]!.env!;
    const shellEnv = (egress?: { pipIndexUrl?: string }) =>
      JSON.parse(env(egress).find((e) => e.name === 'WORKCELL_SHELL_ENV')!.value!) as Record<
        string,
        string
      >;
    expect(env().map((e) => e.name)).not.toContain('WORKCELL_EGRESS_PROXY_PORT');
    expect(shellEnv()).not.toHaveProperty('PIP_INDEX_URL');
    expect(env({ pipIndexUrl: 'https://mirror.example/simple/' })).toEqual(
      expect.arrayContaining([{ name: 'WORKCELL_EGRESS_PROXY_PORT', value: '3128' }]),
    );
    // As in local cells: pip installs for the user into the workspace, from the index.
    expect(shellEnv({ pipIndexUrl: 'https://mirror.example/simple/' })).toMatchObject({
      PIP_INDEX_URL: 'https://mirror.example/simple/',
      PIP_BREAK_SYSTEM_PACKAGES: '1',
      PYTHONUSERBASE: '/app/.local',
    });
  });
});
