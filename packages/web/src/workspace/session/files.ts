/**
 * The workspace's file list, fetched once when the workspace opens (and again after a
 * reconnection, when events may have been missed), then kept current from `file.changed`.
 * The tree, the editor's first file and the open documents all read it from here.
 */
import { isWithin } from '@workcell/protocol';

import { api } from '../../api/api';
import {
  applyChanges,
  modelFromList,
  moveEntry,
  type FileChange,
  type TreeModel,
} from '../file-tree/tree-model';
import { Emitter, type Disposable } from './lifecycle';

export type FilesState =
  | { status: 'loading'; model: TreeModel }
  | { status: 'ready'; model: TreeModel }
  | { status: 'error'; model: TreeModel; message: string };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class WorkspaceFiles implements Disposable {
  private state: FilesState = { status: 'loading', model: new Map() };
  private readonly changed = new Emitter<FilesState>();
  /** A refresh failed while a listing is on screen: it stays, and this says why. */
  private readonly refreshFailed = new Emitter<string>();
  private sequence = 0;
  /** Changes received while a listing is in flight, replayed over it when it arrives. */
  private buffered: FileChange[] | undefined;
  private loaded: Promise<TreeModel> | undefined;
  private notifying: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly workspace: string) {}

  get snapshot(): FilesState {
    return this.state;
  }

  /** A listing is in flight. */
  get loading(): boolean {
    return this.buffered !== undefined;
  }

  /** Every file's current version, once the listing in flight (if any) has arrived. */
  async versions(): Promise<Map<string, number>> {
    const model = await this.current();
    return new Map(
      [...model.values()]
        .filter((entry) => entry.type === 'file')
        .map((entry) => [entry.path, entry.version]),
    );
  }

  /** The model once the listing in flight (if any) has arrived. */
  current(): Promise<TreeModel> {
    return this.loaded ?? this.reload();
  }

  onRefreshFailed(listener: (message: string) => void): Disposable {
    return this.refreshFailed.on(listener);
  }

  subscribe = (listener: () => void): (() => void) => {
    const subscription = this.changed.on(listener);
    return () => subscription.dispose();
  };

  getSnapshot = (): FilesState => this.state;

  /** Lists the files again; replaces the model when the answer arrives. */
  reload(): Promise<TreeModel> {
    const sequence = ++this.sequence;
    this.buffered = [];
    if (this.state.status === 'error') this.set({ status: 'loading', model: this.state.model });
    const loading = api.listFiles({ uuid: this.workspace }).then(
      ({ files }) => {
        if (sequence !== this.sequence) return this.state.model;
        const replay = this.buffered ?? [];
        this.buffered = undefined;
        this.set({ status: 'ready', model: applyChanges(modelFromList(files), replay) });
        return this.state.model;
      },
      (error: unknown) => {
        if (sequence === this.sequence) {
          this.buffered = undefined;
          if (this.state.status === 'ready') this.refreshFailed.fire(messageOf(error));
          else this.set({ status: 'error', model: this.state.model, message: messageOf(error) });
        }
        throw error;
      },
    );
    this.loaded = loading;
    loading.catch(() => undefined);
    return loading;
  }

  /** A change the server announced, or one this browser made and the server confirmed. */
  apply(changes: readonly FileChange[]): void {
    this.buffered?.push(...changes);
    this.set({ ...this.state, model: applyChanges(this.state.model, changes) });
  }

  /** Creates an empty file (refused if one exists) and shows it at once. */
  async createFile(path: string): Promise<void> {
    const written = await api.writeFile({
      uuid: this.workspace,
      path,
      body: { content: '', baseVersion: 0 },
    });
    this.apply([{ path, kind: 'file', version: written.version }]);
  }

  async createFolder(path: string): Promise<void> {
    const entry = await api.createFolder({ uuid: this.workspace, path });
    this.apply([{ path, kind: 'folder', version: entry.version }]);
  }

  /** Moves or renames a file or folder (with everything in it). */
  async move(from: string, to: string): Promise<void> {
    await api.move({ uuid: this.workspace, body: { from, to } });
    this.set({ ...this.state, model: moveEntry(this.state.model, from, to) });
  }

  /** Copies a file or folder (with everything in it) to `to`, which must not exist. */
  async copy(from: string, to: string): Promise<void> {
    await api.copy({ uuid: this.workspace, body: { from, to } });
    const copied = [...this.state.model.values()].filter((entry) => isWithin(entry.path, from));
    this.apply(
      copied.map((entry) => ({
        path: to + entry.path.slice(from.length),
        kind: entry.type,
        version: 1,
      })),
    );
  }

  /** Deletes a file or folder (with everything in it). */
  async remove(path: string): Promise<void> {
    await api.deleteFile({ uuid: this.workspace, path });
    const kind = this.state.model.get(path)?.type ?? 'file';
    this.apply([{ path, kind, version: 0, deleted: true }]);
  }

  dispose(): void {
    clearTimeout(this.notifying);
    this.sequence++;
    this.changed.dispose();
    this.refreshFailed.dispose();
  }

  /**
   * The state changes at once; its listeners (the views) hear of it once the messages
   * already queued are handled, so a program writing a thousand files is one render of
   * the tree, not a thousand.
   */
  private set(state: FilesState): void {
    this.state = state;
    this.notifying ??= setTimeout(() => {
      this.notifying = undefined;
      this.changed.fire(this.state);
    });
  }
}
