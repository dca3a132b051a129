/**
 * What to do when the server's copy of an open file moves on without this tab: decided
 * from the tab's state alone so the rules can be tested without an editor.
 */
import type { FileContent } from '@workcell/protocol';

import type { Draft } from './drafts';

export interface TabSyncState {
  /** The server version the buffer is based on (0 once deleted on the server). */
  version: number;
  /** The buffer differs from what the server had at `version`. */
  dirty: boolean;
  /** A save request is out: its own change notification may arrive before its answer. */
  saving: boolean;
  deletedOnDisk: boolean;
}

export type SyncAction =
  /** Nothing to do: our own save, or something we already have. */
  | 'ignore'
  /** Decide again once the save in flight has answered. */
  | 'wait'
  /** Clean buffer: replace it with the server's content quietly. */
  | 'reload'
  /** Unsaved edits: tell the user and let them choose. */
  | 'ask'
  | 'mark-deleted';

export interface ServerChange {
  version: number;
  deleted?: boolean;
}

export function decideOnChange(tab: TabSyncState, change: ServerChange): SyncAction {
  if (change.deleted) return tab.deletedOnDisk ? 'ignore' : 'mark-deleted';
  if (tab.saving) return 'wait';
  // A file recreated after a delete starts again at version 1.
  if (!tab.deletedOnDisk && change.version <= tab.version) return 'ignore';
  return tab.dirty ? 'ask' : 'reload';
}

/** Whether a stored draft is worth offering back for a file the server has as `server`. */
export function draftToOffer(
  draft: Draft | undefined,
  server: Pick<FileContent, 'content'> | null,
): Draft | undefined {
  if (!draft) return undefined;
  if (server !== null && draft.content === server.content) return undefined;
  return draft;
}
