/**
 * A file's revisions as a timeline people read: grouped by day ("Today", "Yesterday", a
 * date), newest first, each version saying in plain words who made it, and a deletion
 * shown as its own moment.
 */
import type { ChangeSource, Revision } from '@workcell/protocol';

import { calendarDay } from '../../ui/relativeTime';

/** One line of the timeline: a version that can be compared and restored, or a deletion. */
export type TimelineEntry =
  | { kind: 'version'; revision: Revision; at: Date; label: string }
  | { kind: 'deleted'; revision: Revision; at: Date; label: string };

export interface TimelineDay {
  label: string;
  entries: TimelineEntry[];
}

const whoWords: Record<ChangeSource, string> = {
  editor: 'Saved in the editor',
  terminal: 'Changed in the terminal',
  upload: 'Uploaded',
  restore: 'Restored from an earlier version',
  api: 'Changed through the API',
};

/** Who made a version, in plain words; revisions kept before this was recorded just say "Saved". */
export function whoMadeIt(source: ChangeSource | null): string {
  return source === null ? 'Saved' : whoWords[source];
}

const clock = new Intl.DateTimeFormat('en', { timeStyle: 'short' });

/** "2:05 PM", in the browser's time zone. */
export const timeOfDay = (date: Date): string => clock.format(date);

const startOfDay = (date: Date) =>
  new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();

/** "Today", "Yesterday" or the date, by the browser's calendar. */
export function dayLabel(date: Date, now: Date): string {
  const today = startOfDay(now);
  const day = startOfDay(date);
  if (day === today) return 'Today';
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1).getTime();
  if (day === yesterday) return 'Yesterday';
  return calendarDay(date);
}

/** The revisions (newest first, as the server lists them) as days of entries, newest first. */
export function timeline(revisions: readonly Revision[], now: Date): TimelineDay[] {
  const entries = revisions.flatMap((revision): TimelineEntry[] => {
    const version: TimelineEntry = {
      kind: 'version',
      revision,
      at: new Date(revision.savedAt),
      label: whoMadeIt(revision.source),
    };
    return revision.reason === 'delete'
      ? [{ kind: 'deleted', revision, at: new Date(revision.createdAt), label: 'Deleted' }, version]
      : [version];
  });
  const days: TimelineDay[] = [];
  for (const entry of entries) {
    const label = dayLabel(entry.at, now);
    const last = days.at(-1);
    if (last?.label === label) last.entries.push(entry);
    else days.push({ label, entries: [entry] });
  }
  return days;
}

/** The versions of a timeline in the order they are shown: what arrow keys move through. */
export function versionsOf(days: readonly TimelineDay[]): Revision[] {
  return days.flatMap((day) =>
    day.entries.flatMap((entry) => (entry.kind === 'version' ? [entry.revision] : [])),
  );
}
