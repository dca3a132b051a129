import { describe, expect, it } from 'vitest';

import { relativeTime } from './relativeTime';

const now = new Date('2026-03-10T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe('relativeTime', () => {
  it('words how long ago something was', () => {
    expect(relativeTime(ago(10), now)).toBe('just now');
    expect(relativeTime(ago(3 * 60), now)).toBe('3 minutes ago');
    expect(relativeTime(ago(2 * 3600 + 600), now)).toBe('2 hours ago');
    expect(relativeTime(ago(26 * 3600), now)).toBe('yesterday');
    expect(relativeTime(ago(3 * 86400), now)).toBe('3 days ago');
    expect(relativeTime(ago(15 * 86400), now)).toBe('2 weeks ago');
    expect(relativeTime(ago(400 * 86400), now)).toBe('last year');
  });

  it('treats a moment slightly in the future (clock skew) as just now', () => {
    expect(relativeTime(ago(-20), now)).toBe('just now');
  });
});
