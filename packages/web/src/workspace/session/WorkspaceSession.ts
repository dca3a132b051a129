/**
 * One opened workspace: its socket subscription (`workspace.watch` on every (re)connection,
 * `cell.status` and `file.changed` dispatched once to everyone interested), its file list,
 * its open documents and its cell. Every listener it starts is owned by its store and ends
 * in `dispose()`.
 */
import type { CellState, ServerMessage } from '@workcell/protocol';

import { api } from '../../api/api';
import type { WorkcellSocket } from '../../connection/socket';
import type { OpenDocs } from '../editor/docs';
import type { FileChange } from '../file-tree/tree-model';
import type { CellView } from '../status-bar/StatusBar';
import { WorkspaceFiles } from './files';
import { DisposableStore, Emitter, type Disposable } from './lifecycle';

export type SessionSocket = Pick<WorkcellSocket, 'send' | 'onMessage' | 'onOpen'>;

export class WorkspaceSession implements Disposable {
  readonly files: WorkspaceFiles;
  private readonly store = new DisposableStore();
  private readonly fileChanged = this.store.add(new Emitter<FileChange>());
  private readonly cellChanged = this.store.add(new Emitter<CellView>());
  private cellView: CellView = { state: 'starting' };
  private connections = 0;
  private openDocs: OpenDocs | undefined;

  constructor(
    readonly workspace: string,
    private readonly socket: SessionSocket,
  ) {
    this.files = this.store.add(new WorkspaceFiles(workspace));
    void this.files.reload().catch(() => undefined);
    this.store.add(socket.onOpen(() => this.opened()));
    this.store.add(socket.onMessage((message) => this.received(message)));
  }

  get cell(): CellView {
    return this.cellView;
  }

  subscribeCell = (listener: () => void): (() => void) => {
    const subscription = this.cellChanged.on(listener);
    return () => subscription.dispose();
  };

  getCell = (): CellView => this.cellView;

  /** The open documents, once the editor has opened them (`openDocuments`). */
  get docs(): OpenDocs | undefined {
    return this.openDocs;
  }

  /**
   * Creates the open documents the first time it is called; later calls answer the same.
   * The editor's chunk hands over the class: documents hold Monaco models, and Monaco must
   * not load with the page that creates the session.
   */
  openDocuments(Docs: typeof OpenDocs): OpenDocs {
    this.openDocs ??= this.store.add(
      new Docs({
        workspace: this.workspace,
        storage: localStorage,
        fileVersions: () => this.files.versions(),
      }),
    );
    return this.openDocs;
  }

  /** A file (or folder) changed on the server (the open documents have been told already). */
  onFileChanged(listener: (change: FileChange) => void): Disposable {
    return this.fileChanged.on(listener);
  }

  startCell = (): void => {
    this.setCell({ ...this.cellView, state: 'starting', reason: undefined });
    api.startCell({ uuid: this.workspace }).then(
      (status) => {
        if (this.store.isDisposed) return;
        this.setCell({
          state: status.state,
          reason: status.reason ?? undefined,
          python: status.python ?? undefined,
        });
      },
      (error: unknown) => {
        if (this.store.isDisposed) return;
        this.setCell({
          state: 'failed',
          reason: error instanceof Error ? error.message : String(error),
        });
      },
    );
  };

  dispose(): void {
    this.store.dispose();
  }

  private opened(): void {
    this.socket.send({ type: 'workspace.watch', workspace: this.workspace });
    this.startCell();
    // The first connection usually opens while the first listing is in flight.
    const skip = this.connections++ === 0 && this.files.loading;
    if (!skip) void this.files.reload().catch(() => undefined);
    // What was missed while away is checked against the listing just asked for.
    void this.openDocs?.recheckAll();
  }

  private received(message: ServerMessage): void {
    if (message.type === 'cell.status' && message.workspace === this.workspace) {
      this.setCell({
        state: message.state as CellState,
        reason: message.reason,
        progress: message.progress,
        python: message.python ?? this.cellView.python,
      });
    } else if (message.type === 'file.changed' && message.workspace === this.workspace) {
      const change: FileChange = {
        path: message.path,
        kind: message.kind,
        version: message.version,
        deleted: message.deleted,
        movedFrom: message.movedFrom,
      };
      this.files.apply([change]);
      if (change.kind === 'file') this.openDocs?.fileChanged(change);
      this.fileChanged.fire(change);
    }
  }

  private setCell(view: CellView): void {
    this.cellView = view;
    this.cellChanged.fire(view);
  }
}
