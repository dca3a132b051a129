/**
 * The open files of one workspace, outside React, owned by its WorkspaceSession: which are
 * open and in what order, and the actions on them. Each file is an OpenDocument
 * (document.ts), read by documentLoader.ts; what the server does to it is reconciled by
 * serverChanges.ts. The editor area renders a snapshot (`useDocs`) and calls the actions.
 */
import { ApiError } from '../../api/client';
import type { FileChange } from '../file-tree/tree-model';
import { Emitter, type Disposable } from '../session/lifecycle';
import { OpenDocument, type DocSettings, type DocView, type DocumentHost } from './document';
import { fetchFile, loadDocument } from './documentLoader';
import { DraftStore } from './drafts';
import type { monaco } from './monaco';
import { messageOf } from './paths';
import { ServerChanges, type ServerChangesHost } from './serverChanges';

export type { DocKind, DocView, Pending } from './document';

export interface DocsOptions {
  workspace: string;
  storage: Storage;
  /** Every file's current version (the session's file list, once it has arrived). */
  fileVersions: () => Promise<Map<string, number>>;
  /** Where `pagehide` comes from: unsaved edits are kept as drafts when the page goes. */
  window?: Window;
}

export class OpenDocs implements Disposable {
  private docs = new Map<string, OpenDocument>();
  /** Tab order. */
  private order: string[] = [];
  readonly drafts: DraftStore;
  private started = false;
  private disposed = false;
  private restored = false;
  private settings: DocSettings = { autosave: true, tabSize: 4 };
  /** The focused editor, to keep its cursor and scroll when the text it shows is replaced. */
  private editor: monaco.editor.ICodeEditor | undefined;
  /** Counts the changes, so React can tell a new snapshot from the last one. */
  private revision = 0;
  private readonly changed = new Emitter<void>();
  private readonly moved = new Emitter<{ from: string; to: string }>();
  private readonly window: Window;
  /** What each document and the reconciling of server changes need from here. */
  private readonly host: DocumentHost & ServerChangesHost;
  private readonly changes: ServerChanges;

  constructor(private readonly options: DocsOptions) {
    this.drafts = new DraftStore(options.storage, options.workspace);
    this.window = options.window ?? window;
    this.host = {
      workspace: options.workspace,
      drafts: this.drafts,
      settings: () => this.settings,
      editor: () => this.editor,
      changed: () => this.notify(),
      serverChanged: (doc, change) => this.changes.serverChanged(doc, change),
      fetchFile: (path) => fetchFile(options.workspace, path),
      live: (doc) => this.live(doc),
      close: (path) => this.close(path),
    };
    this.changes = new ServerChanges(this.host);
  }

  /** Reopens `paths` (remembered tabs; those gone from the server are dropped quietly). */
  start(paths: readonly string[]): void {
    if (this.started || this.disposed) return;
    this.started = true;
    this.window.addEventListener('pagehide', this.keepAllDrafts);
    const reopen = (exists: (path: string) => boolean) => {
      if (this.disposed) return;
      // A file gone since (without a draft) is not reopened: it would only say "not found".
      for (const path of paths) if (exists(path) || this.drafts.get(path)) this.open(path, true);
      this.restored = true;
      this.notify();
    };
    if (paths.length === 0) reopen(() => false);
    else
      this.options.fileVersions().then(
        (versions) => reopen((path) => versions.has(path)),
        () => reopen(() => true),
      );
  }

  /** The remembered tabs are open again: until then there is nothing new to remember. */
  get ready(): boolean {
    return this.restored;
  }

  /** For useSyncExternalStore: `listener` hears of every change. */
  subscribe = (listener: () => void): (() => void) => {
    const subscription = this.changed.on(listener);
    return () => subscription.dispose();
  };

  /** Changes whenever anything a tab shows does. */
  getRevision = (): number => this.revision;

  /** A file was renamed on the server under an open tab. */
  onMoved(listener: (move: { from: string; to: string }) => void): Disposable {
    return this.moved.on(listener);
  }

  paths(): readonly string[] {
    return this.order;
  }

  has(path: string): boolean {
    return this.docs.has(path);
  }

  model(path: string): monaco.editor.ITextModel | undefined {
    return this.docs.get(path)?.model;
  }

  view(path: string): DocView | undefined {
    return this.docs.get(path)?.view();
  }

  setViewState(path: string, state: monaco.editor.ICodeEditorViewState | null): void {
    const doc = this.docs.get(path);
    if (doc) doc.viewState = state;
  }

  viewState(path: string): monaco.editor.ICodeEditorViewState | null | undefined {
    return this.docs.get(path)?.viewState;
  }

  /** Starts loading `path` (no-op if open). `quiet`: a remembered tab that is gone is dropped. */
  open(path: string, quiet = false): void {
    if (this.disposed || this.docs.has(path)) return;
    const doc = new OpenDocument(path, this.host);
    this.docs.set(path, doc);
    this.order = [...this.order, path];
    this.notify();
    void this.load(doc, quiet);
  }

  private async load(doc: OpenDocument, quiet: boolean): Promise<void> {
    try {
      const context = { workspace: this.options.workspace, drafts: this.drafts };
      if (!(await loadDocument(doc, { ...context, live: () => this.live(doc) }))) return;
      doc.loading = false;
    } catch (error) {
      if (!this.live(doc)) return;
      if (quiet && error instanceof ApiError && error.status === 404) {
        this.close(doc.path);
        return;
      }
      doc.loading = false;
      doc.loadError = messageOf(error);
    }
    this.notify();
  }

  /** Ctrl+S: saves even an unchanged buffer (that recreates a file deleted on the server). */
  save(path: string): Promise<void> {
    return this.docs.get(path)?.save() ?? Promise.resolve();
  }

  /** Saves every file with unsaved edits; rejects if any of them could not be saved. */
  async saveAll(): Promise<void> {
    const saves: Array<Promise<void>> = [];
    for (const doc of this.docs.values()) {
      if (!doc.queue) continue;
      if (doc.dirty) saves.push(doc.save());
      else if (doc.queue.busy || doc.queueState.kind !== 'idle') saves.push(doc.queue.flush());
    }
    const results = await Promise.allSettled(saves);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error('Save failed');
  }

  /** Saves if needed before closing; rejects (tab stays open) when that fails. */
  async closeSaving(path: string): Promise<void> {
    const doc = this.docs.get(path);
    if (!doc) return;
    if (doc.dirty || doc.queue?.busy) await doc.save();
    this.close(path);
  }

  /** Closes at once, dropping unsaved edits and their draft. */
  close(path: string): void {
    const doc = this.docs.get(path);
    if (!doc) return;
    this.docs.delete(path);
    this.order = this.order.filter((open) => open !== path);
    doc.dispose();
    this.drafts.remove(path);
    this.notify();
  }

  // ---- decisions the user takes (serverChanges.ts) ---------------------------------------

  /** Replace the buffer with the server's copy (conflict, change on disk). */
  takeTheirs(path: string): void {
    const doc = this.docs.get(path);
    if (doc) this.changes.takeTheirs(doc);
  }

  /** Write the buffer over the server's copy (or recreate it when deleted). */
  keepMine(path: string): void {
    const doc = this.docs.get(path);
    if (doc) this.changes.keepMine(doc);
  }

  /** Forget the offered draft, keeping the server's content. */
  discardDraft(path: string): void {
    const doc = this.docs.get(path);
    if (doc) this.changes.discardDraft(doc);
  }

  /** Save a tab whose file was deleted on the server: recreates it. */
  recreate(path: string): Promise<void> {
    return this.save(path);
  }

  // ---- what the server tells us ---------------------------------------------------------

  /** A `file.changed` notification for a file (not a folder). */
  fileChanged(change: Omit<FileChange, 'kind'>): void {
    if (change.movedFrom !== undefined && this.docs.has(change.movedFrom)) {
      this.retarget(change.movedFrom, change.path, change.version);
      return;
    }
    const doc = this.docs.get(change.path);
    if (!doc || doc.loading || doc.loadError) return;
    this.changes.serverChanged(doc, { version: change.version, deleted: change.deleted });
  }

  /** After a reconnect: GET every open file and apply the same rules. */
  async recheckAll(): Promise<void> {
    let versions: Map<string, number>;
    try {
      versions = await this.options.fileVersions();
    } catch {
      return; // Still unreachable: the next reconnect checks again.
    }
    this.changes.recheck([...this.docs.values()], versions);
  }

  /** A file renamed under its tab: the tab follows it, unsaved edits and all. */
  private retarget(from: string, to: string, version: number): void {
    const doc = this.docs.get(from);
    if (!doc || this.docs.has(to)) return;
    this.docs.delete(from);
    this.docs.set(to, doc);
    this.order = this.order.map((open) => (open === from ? to : open));
    this.drafts.move(from, to);
    doc.moveTo(to, version);
    this.moved.fire({ from, to });
    this.notify();
  }

  /** Restores a revision on the server and shows it in the tab. */
  async restore(path: string, revision: number): Promise<void> {
    const doc = this.docs.get(path);
    if (doc) await this.changes.restore(doc, revision);
  }

  /** The user's settings, applied to open files at once. */
  configure(settings: DocSettings): void {
    const tabSizeChanged = settings.tabSize !== this.settings.tabSize;
    this.settings = { ...settings };
    if (tabSizeChanged)
      for (const doc of this.docs.values())
        doc.model?.updateOptions({ tabSize: settings.tabSize, insertSpaces: true });
  }

  setEditor(editor: monaco.editor.ICodeEditor | undefined): void {
    this.editor = editor;
  }

  /** Writes every dirty buffer's newest text to its draft now (the page is going away). */
  keepAllDrafts = (): void => {
    for (const doc of this.docs.values()) doc.keepDraft();
  };

  /** The workspace is left: unsaved edits stay as drafts and are offered back next time. */
  dispose(): void {
    if (this.disposed) return;
    this.keepAllDrafts();
    this.disposed = true;
    this.window.removeEventListener('pagehide', this.keepAllDrafts);
    for (const doc of this.docs.values()) doc.dispose();
    this.docs.clear();
    this.order = [];
    this.changed.dispose();
    this.moved.dispose();
  }

  private live(doc: OpenDocument): boolean {
    return !this.disposed && this.docs.get(doc.path) === doc;
  }

  private notify(): void {
    if (this.disposed) return;
    this.revision++;
    this.changed.fire();
  }
}
