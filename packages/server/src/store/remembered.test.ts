import { afterEach, describe, expect, it, vi } from 'vitest';

import { Remembered } from './remembered';

describe('Remembered', () => {
  afterEach(() => vi.useRealTimers());

  it('answers for its time, then asks again', () => {
    vi.useFakeTimers({ now: 0 });
    const remembered = new Remembered<string, number>(1_000, 10);
    remembered.remember(remembered.mark(), 'a', 1);
    vi.setSystemTime(999);
    expect(remembered.get('a')).toBe(1);
    vi.setSystemTime(1_000);
    expect(remembered.get('a')).toBeUndefined();
  });

  it('holds an entry no longer than its own limit', () => {
    vi.useFakeTimers({ now: 0 });
    const remembered = new Remembered<string, number>(1_000, 10);
    remembered.remember(remembered.mark(), 'token', 1, 200);
    vi.setSystemTime(200);
    expect(remembered.get('token')).toBeUndefined();
  });

  it('keeps at most its capacity, forgetting the oldest first', () => {
    const remembered = new Remembered<string, number>(60_000, 2);
    for (const [key, value] of [
      ['a', 1],
      ['b', 2],
      ['a', 3],
      ['c', 4],
    ] as const) {
      remembered.remember(remembered.mark(), key, value);
    }
    // 'a' was remembered again after 'b', so 'b' is the oldest when 'c' arrives.
    expect([remembered.get('a'), remembered.get('b'), remembered.get('c')]).toEqual([
      3,
      undefined,
      4,
    ]);
  });

  it('does not remember an answer looked up before a forget', () => {
    const remembered = new Remembered<string, string>(60_000, 10);
    remembered.remember(remembered.mark(), 'w1', 'alice');
    const lookupStarted = remembered.mark();
    remembered.forget((owner) => owner === 'alice');
    expect(remembered.get('w1')).toBeUndefined();
    remembered.remember(lookupStarted, 'w2', 'alice');
    expect(remembered.get('w2')).toBeUndefined();
    remembered.remember(remembered.mark(), 'w2', 'alice');
    expect(remembered.get('w2')).toBe('alice');
  });

  it('forgets only what matches, by value or by key', () => {
    const remembered = new Remembered<string, string>(60_000, 10);
    for (const [key, owner] of [
      ['w1', 'alice'],
      ['w2', 'bob'],
      ['w3', 'alice'],
    ]) {
      remembered.remember(remembered.mark(), key!, owner!);
    }
    remembered.forget((_, key) => key === 'w3');
    expect([remembered.get('w1'), remembered.get('w2'), remembered.get('w3')]).toEqual([
      'alice',
      'bob',
      undefined,
    ]);
  });

  it('remembers nothing when its time is zero', () => {
    const remembered = new Remembered<string, number>(0, 10);
    remembered.remember(remembered.mark(), 'a', 1);
    expect(remembered.get('a')).toBeUndefined();
  });
});
