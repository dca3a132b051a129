import { describe, expect, it } from 'vitest';

import { formatArgs, parseArgs, parseEnv } from './runConfigurations';

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
});
