import type { Revision } from '@workcell/protocol';
import { describe, expect, it } from 'vitest';

import { dayLabel, timeline, versionsOf, whoMadeIt } from './timeline';

// Local times: the timeline speaks in the browser's calendar.
const now = new Date(2026, 2, 10, 15, 0);
const at = (day: number, hour: number, minute = 0) =>
  new Date(2026, 2, day, hour, minute).toISOString();

let nextId = 100;
const revision = (
  savedAt: string,
  extra: Partial<Revision> & { replacedAt?: string } = {},
): Revision => ({
  revision: nextId--,
  version: 1,
  size: 10,
  sha256: 'e3b0',
  reason: 'overwrite',
  source: 'editor',
  savedAt,
  createdAt: extra.replacedAt ?? savedAt,
  ...extra,
});

describe('whoMadeIt', () => {
  it('says in plain words where each version came from', () => {
    expect(whoMadeIt('editor')).toBe('Saved in the editor');
    expect(whoMadeIt('terminal')).toBe('Changed in the terminal');
    expect(whoMadeIt('upload')).toBe('Uploaded');
    expect(whoMadeIt('restore')).toBe('Restored from an earlier version');
    expect(whoMadeIt('api')).toBe('Changed through the API');
    // Kept before the server recorded who made a version.
    expect(whoMadeIt(null)).toBe('Saved');
  });
});

describe('dayLabel', () => {
  it('names today and yesterday, and dates further back', () => {
    expect(dayLabel(new Date(2026, 2, 10, 0, 1), now)).toBe('Today');
    expect(dayLabel(new Date(2026, 2, 9, 23, 59), now)).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 2, 8, 12, 0), now)).toBe('Mar 8, 2026');
    // Across a month's end.
    expect(dayLabel(new Date(2026, 1, 28, 9, 0), new Date(2026, 2, 1, 9, 0))).toBe('Yesterday');
  });
});

describe('timeline', () => {
  it('groups versions by day, newest first, keeping the server order', () => {
    const revisions = [
      revision(at(10, 14, 30)),
      revision(at(10, 9, 5), { source: 'terminal' }),
      revision(at(9, 18, 0), { source: 'upload' }),
      revision(at(2, 11, 0), { source: null }),
    ];
    const days = timeline(revisions, now);
    expect(days.map((day) => [day.label, day.entries.map((entry) => entry.label)])).toEqual([
      ['Today', ['Saved in the editor', 'Changed in the terminal']],
      ['Yesterday', ['Uploaded']],
      ['Mar 2, 2026', ['Saved']],
    ]);
    expect(versionsOf(days)).toEqual(revisions);
  });

  it('shows a deletion as its own moment, above the version it deleted, and not as a version', () => {
    const deleted = revision(at(9, 22, 0), {
      reason: 'delete',
      source: 'restore',
      replacedAt: at(10, 8, 0),
    });
    const days = timeline([deleted], now);
    expect(
      days.map((day) => [day.label, day.entries.map((entry) => [entry.kind, entry.label])]),
    ).toEqual([
      ['Today', [['deleted', 'Deleted']]],
      ['Yesterday', [['version', 'Restored from an earlier version']]],
    ]);
    expect(versionsOf(days)).toEqual([deleted]);
  });

  it('is empty without revisions', () => {
    expect(timeline([], now)).toEqual([]);
  });
});
