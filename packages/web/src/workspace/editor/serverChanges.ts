/**
 * What the server did to an open document, and what the user decides about it: a clean
 * tab follows a change on the server quietly, a dirty one is asked (a pending change), a
 * deleted file keeps its text; then take theirs, keep mine, or drop the offered draft; and
 * a revision restored from the file's history. The rules themselves are sync.ts's; this
 * applies them to a document.
 */
import type { FileContent } from '@workcell/protocol';

import { api } from '../../api/api';
import type { OpenDocument } from './document';
import type { DraftStore } from './drafts';
import { decideOnChange, type ServerChange, type SyncAction } from './sync';

/** What reconciling needs from the collection of documents. */
export interface ServerChangesHost {
  readonly workspace: string;
  /** The file as the server has it now, or null if it does not exist. */
  fetchFile(path: string): Promise<FileContent | null>;
  /** Whether the document is still open. */
  live(doc: OpenDocument): boolean;
  close(path: string): void;
  changed(): void;
  readonly drafts: DraftStore;
}

export class ServerChanges {
  constructor(private readonly host: ServerChangesHost) {}

  /** The server's copy of `doc` is now `change`. */
  serverChanged(doc: OpenDocument, change: ServerChange): void {
    if (doc.kind !== 'text') {
      this.viewerChanged(doc, change);
      return;
    }
    const action = decideOnChange(doc.syncState(), change);
    if (action === 'wait') {
      doc.deferred = change;
      return;
    }
    if (action === 'reload' || action === 'ask') {
      void this.host.fetchFile(doc.path).then(
        (server) => {
          if (!this.host.live(doc)) return;
          // Re-decided on what actually came back: the user may have typed meanwhile.
          const now = decideOnChange(
            doc.syncState(),
            server ? { version: server.version } : { version: 0, deleted: true },
          );
          this.apply(doc, now, server);
        },
        () => undefined,
      );
      return;
    }
    this.apply(doc, action, null);
  }

  /** After a reconnect: every loaded document against the server's file versions. */
  recheck(docs: readonly OpenDocument[], versions: ReadonlyMap<string, number>): void {
    for (const doc of docs) {
      if (doc.loading || doc.loadError || !this.host.live(doc)) continue;
      const version = versions.get(doc.path);
      this.serverChanged(doc, version === undefined ? { version: 0, deleted: true } : { version });
      // The server answers again: a save waiting out its backoff goes now.
      if (doc.queueState.kind === 'retrying') doc.queue?.save();
    }
  }

  /** Restores a revision on the server and shows it in the tab (File history). */
  async restore(doc: OpenDocument, revision: number): Promise<void> {
    doc.reloading = true;
    try {
      await api.restore({ uuid: this.host.workspace, path: doc.path, body: { revision } });
      const server = await this.host.fetchFile(doc.path);
      if (!this.host.live(doc) || !server) return;
      doc.pending = undefined;
      doc.cancelAutosave();
      doc.queue?.discardPending();
      doc.showServerCopy(server);
    } finally {
      doc.reloading = false;
      this.host.changed();
    }
  }

  /** Replace the buffer with the server's copy (conflict, change on disk). */
  takeTheirs(doc: OpenDocument): void {
    const pending = doc.pending;
    if (!pending) return;
    doc.pending = undefined;
    if (pending.current === null) {
      this.host.close(doc.path);
      return;
    }
    doc.cancelAutosave();
    doc.replaceContent(pending.current.content);
    doc.savedContent = pending.current.content;
    doc.deletedOnDisk = false;
    doc.queue?.resolveConflict(pending.current.version, false);
    doc.refreshDirty();
    this.host.changed();
  }

  /** Write the buffer over the server's copy (or recreate it when deleted). */
  keepMine(doc: OpenDocument): void {
    const pending = doc.pending;
    if (!doc.queue || !pending) return;
    doc.pending = undefined;
    if (pending.current === null) doc.deletedOnDisk = true;
    else doc.savedContent = pending.current.content;
    if (pending.kind === 'draft') {
      doc.replaceContent(pending.draft.content);
      // Saved on the version the draft was made on, so a newer server copy raises a conflict.
      doc.queue.setBaseVersion(pending.current ? pending.draft.baseVersion : 0);
      doc.refreshDirty();
      doc.autosave();
      doc.keepDraft();
    } else {
      doc.queue.resolveConflict(pending.current?.version ?? 0, true);
    }
    this.host.changed();
  }

  /** Forget the offered draft, keeping the server's content (closing a file that is gone). */
  discardDraft(doc: OpenDocument): void {
    if (doc.pending?.kind !== 'draft') return;
    const gone = doc.pending.current === null;
    doc.pending = undefined;
    this.host.drafts.remove(doc.path);
    if (gone) this.host.close(doc.path);
    else this.host.changed();
  }

  /** An image or binary file: shown again when its bytes change. */
  private viewerChanged(doc: OpenDocument, change: ServerChange): void {
    if (change.deleted) doc.deletedOnDisk = true;
    else if (doc.deletedOnDisk || change.version !== doc.serverVersion) {
      doc.deletedOnDisk = false;
      doc.serverVersion = change.version;
      // A new URL, so the browser cannot show the cached old image.
      doc.revision = Date.now();
    }
    this.host.changed();
  }

  private apply(doc: OpenDocument, action: SyncAction, server: FileContent | null): void {
    switch (action) {
      case 'ignore':
      case 'wait':
        return;
      case 'mark-deleted':
        doc.deletedOnDisk = true;
        doc.cancelAutosave();
        doc.queue?.setBaseVersion(0);
        break;
      case 'reload':
        if (!server) return;
        doc.showServerCopy(server);
        break;
      case 'ask':
        if (!server) return;
        // A conflict already open shows the same choice; keep it, with the newer copy.
        doc.pending = {
          kind: doc.pending?.kind === 'conflict' ? 'conflict' : 'changed',
          current: server,
        };
        doc.cancelAutosave();
        break;
    }
    this.host.changed();
  }
}
