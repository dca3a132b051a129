import { describe, expect, it } from 'vitest';

import type { KubeObject } from './objects';
import { parseSelectors } from './selectors';
import { ApiError } from './status';

const object = (labels: Record<string, string>, status?: object): KubeObject => ({
  metadata: { name: 'n', labels },
  ...(status && { status }),
});

describe('label and field selectors', () => {
  it.each([
    ['a=1', true],
    ['a==1', true],
    ['a=2', false],
    ['a!=2', true],
    ['b!=2', true],
    ['a', true],
    ['b', false],
    ['!b', true],
    ['!a', false],
    ['a in (1, 2)', true],
    ['a in (2)', false],
    ['a notin (2,3)', true],
    ['b notin (2)', true],
    ['b in (2)', false],
    ['a=1,c in (x,y),!b', true],
    ['a=1,b', false],
    ['', true],
  ])('label selector %j matches {a: 1, c: x}: %s', (selector, expected) => {
    expect(parseSelectors(selector)(object({ a: '1', c: 'x' }))).toBe(expected);
  });

  it('matches field selectors on dotted paths, and a missing field as empty', () => {
    const running = object({}, { phase: 'Running' });
    expect(parseSelectors(undefined, 'metadata.name=n,status.phase=Running')(running)).toBe(true);
    expect(parseSelectors(undefined, 'status.phase!=Running')(running)).toBe(false);
    expect(parseSelectors(undefined, 'spec.nodeName=')(running)).toBe(true);
    expect(parseSelectors('a', 'metadata.name=n')(running)).toBe(false);
  });

  it('refuses what it cannot parse with 400', () => {
    expect(() => parseSelectors('a=(')).toThrow(ApiError);
    expect(() => parseSelectors(undefined, '=x')).toThrow(ApiError);
  });
});
