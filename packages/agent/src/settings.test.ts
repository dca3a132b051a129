import { describe, expect, test } from 'vitest';

import { agentEnv, readSettings, type AgentSettings } from './settings';

const self = { uid: 1000, gid: 1000 };
const token = 't'.repeat(32);
const read = (env: Record<string, string>) => readSettings({ ...env }, self);

describe('listening settings', () => {
  test.each([
    ['0.0.0.0:7070', { host: '0.0.0.0', port: 7070 }],
    ['[::]:7070', { host: '::', port: 7070 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['/run/workcell/agent.sock', { path: '/run/workcell/agent.sock' }],
  ])('%s is an address, and agentEnv writes it back the same', (text, address) => {
    const settings = read({ WORKCELL_AGENT_LISTEN: text, WORKCELL_AGENT_TOKEN: token });
    expect(settings.listen).toEqual({ address, token });
    expect(agentEnv(settings)).toMatchObject({
      WORKCELL_AGENT_LISTEN: text,
      WORKCELL_AGENT_TOKEN: token,
    });
  });

  test.each(['7070', ':7070', '0.0.0.0:0', '0.0.0.0:65536', '::1:7070', 'agent.sock'])(
    '%s is refused',
    (text) => {
      expect(() => read({ WORKCELL_AGENT_LISTEN: text, WORKCELL_AGENT_TOKEN: token })).toThrow(
        /HOST:PORT/,
      );
    },
  );

  test('a token is required when listening, long enough, and refused otherwise', () => {
    const listen = { WORKCELL_AGENT_LISTEN: '0.0.0.0:7070' };
    expect(() => read(listen)).toThrow(/WORKCELL_AGENT_TOKEN of 32/);
    expect(() => read({ ...listen, WORKCELL_AGENT_TOKEN: token.slice(1) })).toThrow(/of 32/);
    expect(() => read({ WORKCELL_AGENT_TOKEN: token })).toThrow(/only for a listening agent/);
  });

  test('no descriptor only with listening; the settings leave the environment', () => {
    expect(() => read({ WORKCELL_AGENT_FD: 'none' })).toThrow(/none needs WORKCELL_AGENT_LISTEN/);
    const env = {
      WORKCELL_AGENT_FD: 'none',
      WORKCELL_AGENT_LISTEN: '/tmp/agent.sock',
      WORKCELL_AGENT_TOKEN: token,
      PATH: '/bin',
    };
    const settings: AgentSettings = readSettings(env, self);
    expect(settings.channel).toBe('none');
    expect(env).toEqual({ PATH: '/bin' });
  });

  test('without listening, nothing changes', () => {
    const settings = read({});
    expect(settings).toMatchObject({ channel: 3, listen: undefined });
    expect(agentEnv({ channel: 3 })).toEqual({ WORKCELL_AGENT_FD: '3' });
  });
});

describe('user cgroup descriptors', () => {
  test('a list of descriptors, written back the same; none by default', () => {
    const settings = read({ WORKCELL_USER_CGROUP_FDS: '6,7,8' });
    expect(settings.userCgroupFds).toEqual([6, 7, 8]);
    expect(agentEnv(settings)).toMatchObject({ WORKCELL_USER_CGROUP_FDS: '6,7,8' });
    expect(read({}).userCgroupFds).toEqual([]);
    expect(agentEnv(read({}))).not.toHaveProperty('WORKCELL_USER_CGROUP_FDS');
  });

  test.each(['', '6,', 'six', '6;7', '-1'])('%j is refused', (text) => {
    expect(() => read({ WORKCELL_USER_CGROUP_FDS: text })).toThrow(/descriptors/);
  });
});

describe('preloading terminals', () => {
  test('on with 1, written back the same; off by default and with 0', () => {
    const settings = read({ WORKCELL_PRELOAD_TERMINALS: '1' });
    expect(settings.preloadTerminals).toBe(true);
    expect(agentEnv(settings)).toMatchObject({ WORKCELL_PRELOAD_TERMINALS: '1' });
    expect(read({}).preloadTerminals).toBe(false);
    expect(read({ WORKCELL_PRELOAD_TERMINALS: '0' }).preloadTerminals).toBe(false);
    expect(agentEnv(read({}))).not.toHaveProperty('WORKCELL_PRELOAD_TERMINALS');
    expect(() => read({ WORKCELL_PRELOAD_TERMINALS: 'yes' })).toThrow(/PRELOAD/);
  });
});
