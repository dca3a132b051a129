/**
 * The timeline of a file's versions as a listbox: one stop for Tab, arrow keys move the
 * selection through the versions (a deletion is shown, not selectable), Enter asks to
 * restore the selected one.
 */
import type { Revision } from '@workcell/protocol';
import { useEffect, useId, type KeyboardEvent, type Ref } from 'react';

import { formatSize } from '../editor/paths';
import { timeOfDay, versionsOf, type TimelineDay } from './timeline';

export interface TimelineProps {
  days: readonly TimelineDay[];
  selected: number | undefined;
  onSelect: (revision: Revision) => void;
  onRestoreRequest: (revision: Revision) => void;
  /** The list itself, e.g. to give focus back to it. */
  ref?: Ref<HTMLDivElement>;
}

export function Timeline({ days, selected, onSelect, onRestoreRequest, ref }: TimelineProps) {
  const id = useId();
  const optionId = (revision: number) => `${id}-${revision}`;
  const versions = versionsOf(days);

  useEffect(() => {
    if (selected === undefined) return;
    document.getElementById(`${id}-${selected}`)?.scrollIntoView({ block: 'nearest' });
  }, [id, selected]);

  const onKeyDown = (event: KeyboardEvent) => {
    const at = versions.findIndex((revision) => revision.revision === selected);
    const move = (index: number) => {
      event.preventDefault();
      const target = versions[Math.max(0, Math.min(versions.length - 1, index))];
      if (target) onSelect(target);
    };
    if (event.key === 'ArrowDown') move(at + 1);
    else if (event.key === 'ArrowUp') move(at - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(versions.length - 1);
    else if (event.key === 'Enter' && versions[at]) {
      event.preventDefault();
      onRestoreRequest(versions[at]);
    }
  };

  return (
    <div
      ref={ref}
      role="listbox"
      aria-label="Versions, newest first"
      className="history-timeline"
      tabIndex={0}
      aria-activedescendant={selected === undefined ? undefined : optionId(selected)}
      onKeyDown={onKeyDown}
    >
      {days.map((day) => (
        <div role="group" key={day.label} aria-labelledby={`${id}-${day.label}`}>
          <div id={`${id}-${day.label}`} role="presentation" className="history-day">
            {day.label}
          </div>
          {day.entries.map((entry) =>
            entry.kind === 'deleted' ? (
              <div
                key={`deleted-${entry.revision.revision}`}
                role="option"
                aria-selected={false}
                aria-disabled
                className="history-entry deleted"
              >
                <span className="history-time">{timeOfDay(entry.at)}</span>
                <span className="history-who">{entry.label}</span>
              </div>
            ) : (
              <div
                key={entry.revision.revision}
                id={optionId(entry.revision.revision)}
                role="option"
                aria-selected={entry.revision.revision === selected}
                className="history-entry"
                onClick={() => onSelect(entry.revision)}
              >
                <span className="history-time">{timeOfDay(entry.at)}</span>
                <span className="history-who">{entry.label}</span>
                <span className="history-size">{formatSize(entry.revision.size)}</span>
              </div>
            ),
          )}
        </div>
      ))}
    </div>
  );
}
