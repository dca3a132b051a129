/** A moment as "3 minutes ago", the exact time on hover; a dash for never. */
import { exactTime, relativeTime } from '../ui/relativeTime';

export function When({ iso, now }: { iso: string | null; now: Date }) {
  if (iso === null) return <>—</>;
  const date = new Date(iso);
  return (
    <time dateTime={iso} title={exactTime(date)}>
      {relativeTime(date, now)}
    </time>
  );
}
