import { describe, expect, it } from 'vitest';

import { formatArgs, LocalRunConfigurations, parseArgs, parseEnv } from './runConfigurations';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe('run configurations', () => {
  it('split arguments as a shell would, and format them back the same', () => {
    const parsed = parseArgs(`one "two words" 'it''s' --x=$HOME`);
    expect(parsed).toEqual({ args: ['one', 'two words', 'its', '--x=$HOME'] });
    const args = ['a b', "it's", '--flag'];
    expect(parseArgs(formatArgs(args))).toEqual({ args });
    expect(parseArgs('a | b')).toMatchObject({ error: /operators/ });
  });

  it('read NAME=value lines and say which line is wrong', () => {
    expect(parseEnv('DEBUG=1\n\n# note\nURL=http://x?a=b\n')).toEqual({
      env: { DEBUG: '1', URL: 'http://x?a=b' },
    });
    expect(parseEnv('OK=1\n1BAD=2')).toMatchObject({ error: /^Line 2/ });
  });

  it('are remembered per workspace and file', () => {
    const storage = new MemoryStorage();
    const first = new LocalRunConfigurations('ws1', storage);
    first.set('main.py', { args: ['x'], env: { A: '1' } });
    expect(new LocalRunConfigurations('ws1', storage).get('main.py')).toEqual({
      args: ['x'],
      env: { A: '1' },
    });
    expect(new LocalRunConfigurations('ws2', storage).get('main.py')).toEqual({
      args: [],
      env: {},
    });
    expect(first.get('other.py')).toEqual({ args: [], env: {} });
  });
});
