/**
 * The open files of one workspace, outside React: each file's Monaco model, its save queue,
 * its draft, and what the server did to it meanwhile. The editor area renders a snapshot and
 * calls the actions; everything that changes a file's state goes through here.
 */
import { routes, type FileContent } from '@workcell/protocol';

import { api, readFile, routeUrl } from '../../api/api';
import { ApiError } from '../../api/client';
import type { SaveState } from '../contracts';
import { DraftStore, type Draft } from './drafts';
import { fileUri, monaco } from './monaco';
import { isImagePath, messageOf } from './paths';
import { SaveQueue, type QueueState } from './saveQueue';
import { decideOnChange, draftToOffer, type ServerChange } from './sync';

export type DocKind = 'text' | 'image' | 'binary';

/** Something from the server the user has to decide about. */
export type Pending =
  /** A save was refused: the server has `current` (null: deleted). */
  | { kind: 'conflict'; current: FileContent | null }
  /** The file changed on the server while this tab has unsaved edits. */
  | { kind: 'changed'; current: FileContent }
  /** A draft from an earlier visit differs from the server's content. */
  | { kind: 'draft'; draft: Draft; current: FileContent | null };

export interface DocView {
  path: string;
  kind: DocKind;
  loading: boolean;
  loadError: string | undefined;
  dirty: boolean;
  save: SaveState;
  saveError: string | undefined;
  deletedOnDisk: boolean;
  size: number;
  version: number;
  pending: Pending | undefined;
  /** Changes whenever the server's bytes change (images reload on it). */
  revision: number;
}

interface Doc {
  path: string;
  kind: DocKind;
  loading: boolean;
  loadError?: string;
  model?: monaco.editor.ITextModel;
  modelListener?: monaco.IDisposable;
  /** What the server holds at the queue's base version. */
  savedContent: string;
  dirty: boolean;
  deletedOnDisk: boolean;
  size: number;
  queue?: SaveQueue;
  queueState: QueueState;
  pending?: Pending;
  /** A change notification that arrived while a save or restore was out. */
  deferred?: ServerChange;
  /** A restore or reload is out: notifications for it are ours. */
  reloading: boolean;
  autosaveTimer?: ReturnType<typeof setTimeout>;
  draftTimer?: ReturnType<typeof setTimeout>;
  viewState?: monaco.editor.ICodeEditorViewState | null;
  revision: number;
  /** The version a viewer (image, binary) shows. */
  serverVersion: number;
}

export interface DocsOptions {
  workspace: string;
  storage: Storage;
  onChange: () => void;
  /** A file was renamed on the server under an open tab. */
  onMoved: (from: string, to: string) => void;
  /** Every file's current version (the session's file list, once it has arrived). */
  fileVersions: () => Promise<Map<string, number>>;
}

const autosaveDelayMs = 1000;
const draftDelayMs = 300;

export class OpenDocs {
  private docs = new Map<string, Doc>();
  /** Tab order. */
  private order: string[] = [];
  readonly drafts: DraftStore;
  private disposed = true;
  private restored = false;
  private settings = { autosave: true, tabSize: 4 };
  /** The editor, to keep its cursor and scroll when the text it shows is replaced. */
  private editor: monaco.editor.ICodeEditor | undefined;

  constructor(private readonly options: DocsOptions) {
    this.drafts = new DraftStore(options.storage, options.workspace);
  }

  /** Reopens `paths` (remembered tabs; those gone from the server are dropped quietly). */
  start(paths: readonly string[]): void {
    if (!this.disposed) return;
    this.disposed = false;
    this.restored = false;
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
    const doc = this.docs.get(path);
    if (!doc) return undefined;
    const { save, saveError } = saveStatus(doc);
    return {
      path: doc.path,
      kind: doc.kind,
      loading: doc.loading,
      loadError: doc.loadError,
      dirty: doc.dirty,
      save,
      saveError,
      deletedOnDisk: doc.deletedOnDisk,
      size: doc.size,
      version: doc.queue?.baseVersion ?? 0,
      pending: doc.pending,
      revision: doc.revision,
    };
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
    const doc: Doc = {
      path,
      kind: isImagePath(path) ? 'image' : 'text',
      loading: true,
      savedContent: '',
      dirty: false,
      deletedOnDisk: false,
      size: 0,
      queueState: { kind: 'idle' },
      reloading: false,
      revision: 0,
      serverVersion: 0,
    };
    this.docs.set(path, doc);
    this.order = [...this.order, path];
    this.notify();
    void this.load(doc, quiet);
  }

  private async load(doc: Doc, quiet: boolean): Promise<void> {
    try {
      if (doc.kind === 'image') {
        const response = await fetch(
          routeUrl(routes.readRaw, { uuid: this.options.workspace, path: doc.path }),
          {
            method: 'HEAD',
            credentials: 'same-origin',
          },
        );
        if (response.status === 404)
          throw new ApiError(404, 'FILE_NOT_FOUND', `No file at ${doc.path}.`);
        if (!response.ok) throw new ApiError(response.status, 'INTERNAL', response.statusText);
        doc.size = Number(response.headers.get('content-length') ?? 0);
        doc.serverVersion = Number(/\d+/.exec(response.headers.get('etag') ?? '')?.[0] ?? 0);
        doc.revision = doc.serverVersion;
      } else {
        const file = await this.fetchFile(doc.path);
        if (!this.live(doc)) return;
        const draft = this.drafts.get(doc.path);
        if (file === null && !draft)
          throw new ApiError(404, 'FILE_NOT_FOUND', `No file at ${doc.path}.`);
        if (file && file.encoding === 'base64') {
          doc.kind = 'binary';
          doc.size = file.size;
          doc.serverVersion = file.version;
        } else {
          this.attachModel(doc, file?.content ?? '', file?.version ?? 0);
          doc.deletedOnDisk = file === null;
          doc.size = file?.size ?? 0;
          const offer = draftToOffer(draft, file);
          if (offer) doc.pending = { kind: 'draft', draft: offer, current: file };
          else if (draft) this.drafts.remove(doc.path);
        }
      }
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

  /** The file as the server has it now, or null if it does not exist. */
  private async fetchFile(path: string): Promise<FileContent | null> {
    try {
      return await readFile(this.options.workspace, path);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'FILE_NOT_FOUND') return null;
      throw error;
    }
  }

  private attachModel(doc: Doc, content: string, version: number): void {
    const uri = fileUri(doc.path);
    // A model can outlive a tab only by mistake; reuse rather than throw on a duplicate URI.
    monaco.editor.getModel(uri)?.dispose();
    const model = monaco.editor.createModel(content, undefined, uri);
    model.updateOptions({ tabSize: this.settings.tabSize, insertSpaces: true });
    doc.model = model;
    doc.savedContent = content;
    doc.modelListener = model.onDidChangeContent(() => this.edited(doc));
    doc.queue = new SaveQueue({
      getContent: () => doc.model?.getValue() ?? '',
      baseVersion: version,
      write: (text, baseVersion) =>
        api.writeFile({
          uuid: this.options.workspace,
          path: doc.path,
          body: { content: text, baseVersion },
        }),
      onState: (state) => {
        doc.queueState = state;
        if (state.kind === 'conflict') doc.pending = { kind: 'conflict', current: state.current };
        if (!doc.queue?.busy && doc.deferred) {
          const change = doc.deferred;
          doc.deferred = undefined;
          this.serverChanged(doc, change);
        }
        this.notify();
      },
      onSaved: (_version, text) => {
        doc.savedContent = text;
        doc.deletedOnDisk = false;
        doc.size = new TextEncoder().encode(text).length;
        this.refreshDirty(doc);
      },
    });
  }

  private edited(doc: Doc): void {
    const wasDirty = doc.dirty;
    this.refreshDirty(doc);
    clearTimeout(doc.draftTimer);
    if (doc.dirty) doc.draftTimer = setTimeout(() => this.keepDraft(doc), draftDelayMs);
    clearTimeout(doc.autosaveTimer);
    if (doc.dirty && this.settings.autosave && !doc.deletedOnDisk && !doc.pending)
      doc.autosaveTimer = setTimeout(() => doc.queue?.save(), autosaveDelayMs);
    if (wasDirty !== doc.dirty || doc.queueState.kind === 'failed') this.notify();
  }

  private keepDraft(doc: Doc): void {
    if (!doc.model || !doc.dirty || !doc.queue) return;
    this.drafts.put(doc.path, doc.model.getValue(), doc.queue.baseVersion);
  }

  private refreshDirty(doc: Doc): void {
    const dirty = doc.model !== undefined && doc.model.getValue() !== doc.savedContent;
    if (!dirty) {
      clearTimeout(doc.draftTimer);
      this.drafts.remove(doc.path);
    }
    if (dirty !== doc.dirty) {
      doc.dirty = dirty;
      this.notify();
    }
  }

  /** Ctrl+S: saves even an unchanged buffer (that recreates a file deleted on the server). */
  save(path: string): Promise<void> {
    const doc = this.docs.get(path);
    if (!doc?.queue) return Promise.resolve();
    clearTimeout(doc.autosaveTimer);
    if (doc.pending?.kind === 'conflict')
      return Promise.reject(new Error('Resolve the conflict first.'));
    doc.queue.save();
    return doc.queue.flush();
  }

  /** Saves every file with unsaved edits; rejects if any of them could not be saved. */
  async saveAll(): Promise<void> {
    const saves: Array<Promise<void>> = [];
    for (const doc of this.docs.values()) {
      if (!doc.queue) continue;
      if (doc.dirty) saves.push(this.save(doc.path));
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
    if (doc.dirty || doc.queue?.busy) await this.save(path);
    this.close(path);
  }

  /** Closes at once, dropping unsaved edits and their draft. */
  close(path: string): void {
    const doc = this.docs.get(path);
    if (!doc) return;
    this.docs.delete(path);
    this.order = this.order.filter((open) => open !== path);
    this.disposeDoc(doc);
    this.drafts.remove(path);
    this.notify();
  }

  // ---- decisions the user takes --------------------------------------------------------

  /** Replace the buffer with the server's copy (conflict, change on disk). */
  takeTheirs(path: string): void {
    const doc = this.docs.get(path);
    const pending = doc?.pending;
    if (!doc || !pending) return;
    doc.pending = undefined;
    if (pending.current === null) {
      this.close(path);
      return;
    }
    clearTimeout(doc.autosaveTimer);
    this.replaceContent(doc, pending.current.content);
    doc.savedContent = pending.current.content;
    doc.deletedOnDisk = false;
    doc.queue?.resolveConflict(pending.current.version, false);
    this.refreshDirty(doc);
    this.notify();
  }

  /** Write the buffer over the server's copy (or recreate it when deleted). */
  keepMine(path: string): void {
    const doc = this.docs.get(path);
    const pending = doc?.pending;
    if (!doc?.queue || !pending) return;
    doc.pending = undefined;
    const version = pending.current?.version ?? 0;
    if (pending.current === null) doc.deletedOnDisk = true;
    if (pending.current) doc.savedContent = pending.current.content;
    if (pending.kind === 'draft') {
      this.replaceContent(doc, pending.draft.content);
      // Saved on the version the draft was made on, so a newer server copy raises a conflict.
      doc.queue.setBaseVersion(pending.current ? pending.draft.baseVersion : 0);
      this.refreshDirty(doc);
      if (this.settings.autosave && !doc.deletedOnDisk) doc.queue.save();
      this.keepDraft(doc);
    } else {
      doc.queue.resolveConflict(version, true);
    }
    this.notify();
  }

  /** Forget the offered draft, keeping the server's content. */
  discardDraft(path: string): void {
    const doc = this.docs.get(path);
    if (doc?.pending?.kind !== 'draft') return;
    const gone = doc.pending.current === null;
    doc.pending = undefined;
    this.drafts.remove(path);
    if (gone) this.close(path);
    else this.notify();
  }

  /** Save a tab whose file was deleted on the server: recreates it. */
  recreate(path: string): Promise<void> {
    return this.save(path);
  }

  // ---- what the server tells us -------------------------------------------------------

  /** A `file.changed` notification for a file (not a folder). */
  fileChanged(change: { path: string; version: number; deleted?: boolean; movedFrom?: string }) {
    if (change.movedFrom !== undefined && this.docs.has(change.movedFrom)) {
      this.retarget(change.movedFrom, change.path, change.version);
      return;
    }
    const doc = this.docs.get(change.path);
    if (!doc || doc.loading || doc.loadError) return;
    this.serverChanged(doc, { version: change.version, deleted: change.deleted });
  }

  /** After a reconnect: GET every open file and apply the same rules. */
  async recheckAll(): Promise<void> {
    let versions: Map<string, number>;
    try {
      versions = await this.options.fileVersions();
    } catch {
      return; // Still unreachable: the next reconnect checks again.
    }
    for (const doc of [...this.docs.values()]) {
      if (doc.loading || doc.loadError || !this.live(doc)) continue;
      const version = versions.get(doc.path);
      this.serverChanged(doc, version === undefined ? { version: 0, deleted: true } : { version });
      // The server answers again: a save waiting out its backoff goes now.
      if (doc.queueState.kind === 'retrying') doc.queue?.save();
    }
  }

  private serverChanged(doc: Doc, change: ServerChange): void {
    if (doc.kind !== 'text') {
      if (change.deleted) doc.deletedOnDisk = true;
      else if (doc.deletedOnDisk || change.version !== doc.serverVersion) {
        doc.deletedOnDisk = false;
        doc.serverVersion = change.version;
        // A new URL, so the browser cannot show the cached old image.
        doc.revision = Date.now();
      }
      this.notify();
      return;
    }
    const action = decideOnChange(this.syncState(doc), change);
    if (action === 'wait') {
      doc.deferred = change;
      return;
    }
    if (action === 'reload' || action === 'ask') {
      void this.fetchFile(doc.path).then(
        (server) => {
          if (!this.live(doc)) return;
          // Re-decided on what actually came back: the user may have typed meanwhile.
          const now = server
            ? decideOnChange(this.syncState(doc), { version: server.version })
            : decideOnChange(this.syncState(doc), { version: 0, deleted: true });
          this.apply(doc, now, server);
        },
        () => undefined,
      );
      return;
    }
    this.apply(doc, action, null);
  }

  private apply(
    doc: Doc,
    action: ReturnType<typeof decideOnChange>,
    server: FileContent | null,
  ): void {
    switch (action) {
      case 'ignore':
      case 'wait':
        return;
      case 'mark-deleted':
        doc.deletedOnDisk = true;
        clearTimeout(doc.autosaveTimer);
        doc.queue?.setBaseVersion(0);
        break;
      case 'reload':
        if (!server) return;
        this.replaceContent(doc, server.content);
        doc.savedContent = server.content;
        doc.deletedOnDisk = false;
        doc.size = server.size;
        doc.queue?.setBaseVersion(server.version);
        this.refreshDirty(doc);
        break;
      case 'ask':
        if (!server) return;
        // A conflict already open shows the same choice; keep it, with the newer copy.
        doc.pending = {
          kind: doc.pending?.kind === 'conflict' ? 'conflict' : 'changed',
          current: server,
        };
        clearTimeout(doc.autosaveTimer);
        break;
    }
    this.notify();
  }

  private syncState(doc: Doc) {
    return {
      version: doc.queue?.baseVersion ?? 0,
      dirty: doc.dirty,
      saving: (doc.queue?.busy ?? false) || doc.reloading,
      deletedOnDisk: doc.deletedOnDisk,
    };
  }

  /** Follows a rename: a new model under the new URI (Monaco URIs are fixed), same content. */
  private retarget(from: string, to: string, version: number): void {
    const doc = this.docs.get(from);
    if (!doc || this.docs.has(to)) return;
    this.docs.delete(from);
    doc.path = to;
    doc.deferred = undefined;
    this.docs.set(to, doc);
    this.order = this.order.map((open) => (open === from ? to : open));
    this.drafts.move(from, to);
    doc.deletedOnDisk = false;
    if (doc.model && doc.queue) {
      const old = doc.model;
      const content = old.getValue();
      const viewState = doc.viewState;
      const saved = doc.savedContent;
      doc.modelListener?.dispose();
      doc.queue.dispose();
      this.attachModel(doc, content, version);
      doc.savedContent = saved;
      doc.queueState = { kind: 'idle' };
      doc.viewState = viewState;
      this.refreshDirty(doc);
      old.dispose();
    }
    this.options.onMoved(from, to);
    this.notify();
  }

  /** Replaces the text keeping undo history and, if shown, the cursor and scroll position. */
  private replaceContent(doc: Doc, content: string): void {
    const model = doc.model;
    if (!model || model.getValue() === content) return;
    const editor = this.editor?.getModel() === model ? this.editor : undefined;
    const viewState = editor?.saveViewState();
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text: content }], () => null);
    model.pushStackElement();
    if (editor && viewState) editor.restoreViewState(viewState);
  }

  // ---- history ------------------------------------------------------------------------

  /** Restores a revision on the server and shows it in the tab. */
  async restore(path: string, revision: number): Promise<void> {
    const doc = this.docs.get(path);
    if (!doc) return;
    doc.reloading = true;
    try {
      await api.restore({ uuid: this.options.workspace, path, body: { revision } });
      const server = await this.fetchFile(path);
      if (!this.live(doc) || !server) return;
      doc.pending = undefined;
      clearTimeout(doc.autosaveTimer);
      this.replaceContent(doc, server.content);
      doc.savedContent = server.content;
      doc.deletedOnDisk = false;
      doc.size = server.size;
      doc.queue?.discardPending();
      doc.queue?.setBaseVersion(server.version);
      this.refreshDirty(doc);
    } finally {
      doc.reloading = false;
      this.notify();
    }
  }

  /** The user's settings, applied to open files at once. */
  configure(settings: { autosave: boolean; tabSize: number }): void {
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
  keepAllDrafts(): void {
    for (const doc of this.docs.values()) {
      clearTimeout(doc.draftTimer);
      this.keepDraft(doc);
    }
  }

  /** Unmount: unsaved edits stay as drafts and are offered back next time. */
  dispose(): void {
    if (this.disposed) return;
    this.keepAllDrafts();
    this.disposed = true;
    for (const doc of this.docs.values()) this.disposeDoc(doc);
    this.docs.clear();
    this.order = [];
  }

  private disposeDoc(doc: Doc): void {
    clearTimeout(doc.autosaveTimer);
    clearTimeout(doc.draftTimer);
    doc.modelListener?.dispose();
    doc.queue?.dispose();
    doc.model?.dispose();
  }

  private live(doc: Doc): boolean {
    return !this.disposed && this.docs.get(doc.path) === doc;
  }

  private notify(): void {
    if (!this.disposed) this.options.onChange();
  }
}

function saveStatus(doc: Doc): { save: SaveState; saveError: string | undefined } {
  const state = doc.queueState;
  switch (state.kind) {
    case 'conflict':
      return { save: 'conflict', saveError: 'The file changed on the server.' };
    case 'failed':
      return { save: 'failed', saveError: state.error };
    case 'retrying':
      return { save: 'failed', saveError: `${state.error} Retrying…` };
    case 'saving':
      return { save: 'saving', saveError: undefined };
    case 'idle':
      return { save: doc.dirty || doc.deletedOnDisk ? 'dirty' : 'saved', saveError: undefined };
  }
}
