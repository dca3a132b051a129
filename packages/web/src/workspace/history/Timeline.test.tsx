import type { Revision } from '@workcell/protocol';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { Timeline } from './Timeline';
import { timeline } from './timeline';

afterEach(cleanup);

const now = new Date(2026, 2, 10, 15, 0);
const revision = (id: number, savedAt: Date, extra: Partial<Revision> = {}): Revision => ({
  revision: id,
  version: id,
  size: id * 1024,
  sha256: 'e3b0',
  reason: 'overwrite',
  source: 'editor',
  savedAt: savedAt.toISOString(),
  createdAt: savedAt.toISOString(),
  ...extra,
});
const revisions = [
  revision(3, new Date(2026, 2, 10, 14, 30), { source: 'terminal' }),
  revision(2, new Date(2026, 2, 9, 11, 0), {
    reason: 'delete',
    createdAt: new Date(2026, 2, 9, 12, 0).toISOString(),
  }),
  revision(1, new Date(2026, 2, 9, 10, 0), { source: 'upload' }),
];

function setup() {
  const onRestoreRequest = vi.fn();
  function Harness() {
    const [selected, setSelected] = useState(3);
    return (
      <Timeline
        days={timeline(revisions, now)}
        selected={selected}
        onSelect={(chosen) => setSelected(chosen.revision)}
        onRestoreRequest={onRestoreRequest}
      />
    );
  }
  render(<Harness />);
  return {
    list: screen.getByRole('listbox', { name: 'Versions, newest first' }),
    onRestoreRequest,
  };
}

const selectedName = () => screen.getByRole('option', { selected: true }).textContent;

describe('Timeline', () => {
  it('lists the versions under their day with time, who and size, and the deletion between', () => {
    setup();
    expect(screen.getByRole('group', { name: 'Today' }).textContent).toMatch(
      /Changed in the terminal3\.0 KiB$/,
    );
    const yesterday = screen.getByRole('group', { name: 'Yesterday' });
    expect(
      Array.from(yesterday.querySelectorAll('[role=option]'), (option) => option.textContent),
    ).toEqual([
      expect.stringMatching(/Deleted$/),
      expect.stringMatching(/Saved in the editor2\.0 KiB$/),
      expect.stringMatching(/Uploaded1\.0 KiB$/),
    ]);
    expect(screen.getByRole('option', { name: /Deleted/ }).getAttribute('aria-disabled')).toBe(
      'true',
    );
  });

  it('arrow keys move through the versions, skipping the deletion; Enter asks to restore', () => {
    const { list, onRestoreRequest } = setup();
    expect(selectedName()).toMatch(/Changed in the terminal/);
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(selectedName()).toMatch(/Saved in the editor/);
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(selectedName()).toMatch(/Uploaded/);
    fireEvent.keyDown(list, { key: 'Home' });
    expect(selectedName()).toMatch(/Changed in the terminal/);
    fireEvent.keyDown(list, { key: 'ArrowUp' });
    expect(selectedName()).toMatch(/Changed in the terminal/);
    fireEvent.keyDown(list, { key: 'End' });
    fireEvent.keyDown(list, { key: 'Enter' });
    expect(onRestoreRequest).toHaveBeenCalledWith(revisions[2]);
  });

  it('a click selects a version', () => {
    setup();
    fireEvent.click(screen.getByRole('option', { name: /Uploaded/ }));
    expect(selectedName()).toMatch(/Uploaded/);
  });
});
