/**
 * One open file: its Monaco model, its save queue, its draft, what the server did to it
 * meanwhile, and its state as the tabs show it. The collection (docs.ts) opens and closes
 * documents; what a change on the server does to one is decided in serverChanges.ts.
 */
import type { FileContent } from '@workcell/protocol';

import { api } from '../../api/api';
import type { SaveState } from '../contracts';
import type { Draft, DraftStore } from './drafts';
import { fileUri, monaco } from './monaco';
import { isImagePath } from './paths';
import { SaveQueue, type QueueState } from './saveQueue';
import type { ServerChange, TabSyncState } from './sync';

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

export interface DocSettings {
  autosave: boolean;
  tabSize: number;
}

/** What a document needs from the collection that holds it. */
export interface DocumentHost {
  readonly workspace: string;
  readonly drafts: DraftStore;
  settings(): DocSettings;
  /** The focused editor, to keep its cursor and scroll when the text it shows is replaced. */
  editor(): monaco.editor.ICodeEditor | undefined;
  /** Something the tabs show changed. */
  changed(): void;
  /** A change notification held back while a save was out can be decided now. */
  serverChanged(doc: OpenDocument, change: ServerChange): void;
}

const autosaveDelayMs = 1000;
const draftDelayMs = 300;

export class OpenDocument {
  kind: DocKind;
  loading = true;
  loadError: string | undefined;
  model: monaco.editor.ITextModel | undefined;
  /** What the server holds at the queue's base version. */
  savedContent = '';
  dirty = false;
  deletedOnDisk = false;
  size = 0;
  queue: SaveQueue | undefined;
  queueState: QueueState = { kind: 'idle' };
  pending: Pending | undefined;
  /** A change notification that arrived while a save or restore was out. */
  deferred: ServerChange | undefined;
  /** A restore or reload is out: notifications for it are ours. */
  reloading = false;
  viewState: monaco.editor.ICodeEditorViewState | null | undefined;
  revision = 0;
  /** The version a viewer (image, binary) shows. */
  serverVersion = 0;
  private modelListener: monaco.IDisposable | undefined;
  private autosaveTimer: ReturnType<typeof setTimeout> | undefined;
  private draftTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    public path: string,
    private readonly host: DocumentHost,
  ) {
    this.kind = isImagePath(path) ? 'image' : 'text';
  }

  view(): DocView {
    return {
      path: this.path,
      kind: this.kind,
      loading: this.loading,
      loadError: this.loadError,
      dirty: this.dirty,
      ...this.saveStatus(),
      deletedOnDisk: this.deletedOnDisk,
      size: this.size,
      version: this.queue?.baseVersion ?? 0,
      pending: this.pending,
      revision: this.revision,
    };
  }

  /** What the rules for a change on the server (sync.ts) look at. */
  syncState(): TabSyncState {
    return {
      version: this.queue?.baseVersion ?? 0,
      dirty: this.dirty,
      saving: (this.queue?.busy ?? false) || this.reloading,
      deletedOnDisk: this.deletedOnDisk,
    };
  }

  /** Shows `content`, which the server holds at `version`, as text that can be edited and saved. */
  attachModel(content: string, version: number): void {
    const uri = fileUri(this.path);
    // A model can outlive a tab only by mistake; reuse rather than throw on a duplicate URI.
    monaco.editor.getModel(uri)?.dispose();
    const model = monaco.editor.createModel(content, undefined, uri);
    model.updateOptions({ tabSize: this.host.settings().tabSize, insertSpaces: true });
    this.model = model;
    this.savedContent = content;
    this.modelListener = model.onDidChangeContent(() => this.edited());
    this.queue = new SaveQueue({
      getContent: () => this.model?.getValue() ?? '',
      baseVersion: version,
      write: (text, baseVersion) =>
        api.writeFile({
          uuid: this.host.workspace,
          path: this.path,
          body: { content: text, baseVersion },
        }),
      onState: (state) => {
        this.queueState = state;
        if (state.kind === 'conflict') this.pending = { kind: 'conflict', current: state.current };
        if (!this.queue?.busy && this.deferred) {
          const change = this.deferred;
          this.deferred = undefined;
          this.host.serverChanged(this, change);
        }
        this.host.changed();
      },
      onSaved: (_version, text) => {
        this.savedContent = text;
        this.deletedOnDisk = false;
        this.size = new TextEncoder().encode(text).length;
        this.refreshDirty();
      },
    });
  }

  /** Follows a rename: a new model under the new URI (Monaco URIs are fixed), same content. */
  moveTo(path: string, version: number): void {
    this.path = path;
    this.deferred = undefined;
    this.deletedOnDisk = false;
    if (!this.model || !this.queue) return;
    const old = this.model;
    const saved = this.savedContent;
    this.modelListener?.dispose();
    this.queue.dispose();
    this.attachModel(old.getValue(), version);
    this.savedContent = saved;
    this.queueState = { kind: 'idle' };
    this.refreshDirty();
    old.dispose();
  }

  /** Ctrl+S: saves even an unchanged buffer (that recreates a file deleted on the server). */
  save(): Promise<void> {
    if (!this.queue) return Promise.resolve();
    this.cancelAutosave();
    if (this.pending?.kind === 'conflict')
      return Promise.reject(new Error('Resolve the conflict first.'));
    this.queue.save();
    return this.queue.flush();
  }

  /** Saves now if the user's settings autosave and there is a file to save to. */
  autosave(): void {
    if (this.host.settings().autosave && !this.deletedOnDisk) this.queue?.save();
  }

  cancelAutosave(): void {
    clearTimeout(this.autosaveTimer);
  }

  /** Writes the newest unsaved text to the draft now. */
  keepDraft(): void {
    clearTimeout(this.draftTimer);
    if (!this.model || !this.dirty || !this.queue) return;
    this.host.drafts.put(this.path, this.model.getValue(), this.queue.baseVersion);
  }

  refreshDirty(): void {
    const dirty = this.model !== undefined && this.model.getValue() !== this.savedContent;
    if (!dirty) {
      clearTimeout(this.draftTimer);
      this.host.drafts.remove(this.path);
    }
    if (dirty !== this.dirty) {
      this.dirty = dirty;
      this.host.changed();
    }
  }

  /** The server's copy, shown as the saved text (a clean tab following the server). */
  showServerCopy(server: Pick<FileContent, 'content' | 'size' | 'version'>): void {
    this.replaceContent(server.content);
    this.savedContent = server.content;
    this.deletedOnDisk = false;
    this.size = server.size;
    this.queue?.setBaseVersion(server.version);
    this.refreshDirty();
  }

  /** Replaces the text keeping undo history and, if shown, the cursor and scroll position. */
  replaceContent(content: string): void {
    const model = this.model;
    if (!model || model.getValue() === content) return;
    const focused = this.host.editor();
    const editor = focused?.getModel() === model ? focused : undefined;
    const viewState = editor?.saveViewState();
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text: content }], () => null);
    model.pushStackElement();
    if (editor && viewState) editor.restoreViewState(viewState);
  }

  dispose(): void {
    clearTimeout(this.autosaveTimer);
    clearTimeout(this.draftTimer);
    this.modelListener?.dispose();
    this.queue?.dispose();
    this.model?.dispose();
  }

  private edited(): void {
    const wasDirty = this.dirty;
    this.refreshDirty();
    clearTimeout(this.draftTimer);
    if (this.dirty) this.draftTimer = setTimeout(() => this.keepDraft(), draftDelayMs);
    clearTimeout(this.autosaveTimer);
    if (this.dirty && this.host.settings().autosave && !this.deletedOnDisk && !this.pending)
      this.autosaveTimer = setTimeout(() => this.queue?.save(), autosaveDelayMs);
    if (wasDirty !== this.dirty || this.queueState.kind === 'failed') this.host.changed();
  }

  private saveStatus(): { save: SaveState; saveError: string | undefined } {
    const state = this.queueState;
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
        return {
          save: this.dirty || this.deletedOnDisk ? 'dirty' : 'saved',
          saveError: undefined,
        };
    }
  }
}
