import type { FileContent } from '@workcell/protocol';
import { describe, expect, it } from 'vitest';

import { decideOnChange, draftToOffer, type TabSyncState } from './sync';

const clean: TabSyncState = { version: 3, dirty: false, saving: false, deletedOnDisk: false };
const dirty: TabSyncState = { ...clean, dirty: true };

const server = (version: number, content = 'x'): FileContent => ({
  path: 'a.py',
  content,
  encoding: 'utf-8',
  version,
  size: content.length,
  sha256: '',
  updatedAt: new Date(0).toISOString(),
});

describe('decideOnChange', () => {
  it('reloads a clean tab quietly and asks before touching unsaved edits', () => {
    expect(decideOnChange(clean, { version: 4 })).toBe('reload');
    expect(decideOnChange(dirty, { version: 4 })).toBe('ask');
  });

  it('ignores versions the tab already has (its own saves)', () => {
    expect(decideOnChange(clean, { version: 3 })).toBe('ignore');
    expect(decideOnChange(dirty, { version: 2 })).toBe('ignore');
  });

  it('waits for a save in flight, whose own notification may come first', () => {
    expect(decideOnChange({ ...dirty, saving: true }, { version: 4 })).toBe('wait');
  });

  it('marks a deleted file once, and treats a recreated file as new whatever its version', () => {
    expect(decideOnChange(dirty, { version: 3, deleted: true })).toBe('mark-deleted');
    const deleted = { ...dirty, version: 0, deletedOnDisk: true };
    expect(decideOnChange(deleted, { version: 3, deleted: true })).toBe('ignore');
    expect(decideOnChange(deleted, { version: 1 })).toBe('ask');
    expect(decideOnChange({ ...deleted, dirty: false }, { version: 1 })).toBe('reload');
  });
});

describe('draftToOffer', () => {
  const draft = { content: 'mine', baseVersion: 2, savedAt: 1 };
  it('offers a draft that differs from the server, also when the file is gone', () => {
    expect(draftToOffer(draft, server(2, 'theirs'))).toBe(draft);
    expect(draftToOffer(draft, null)).toBe(draft);
  });
  it('drops a draft the server already has', () => {
    expect(draftToOffer(draft, server(3, 'mine'))).toBeUndefined();
    expect(draftToOffer(undefined, server(3))).toBeUndefined();
  });
});
