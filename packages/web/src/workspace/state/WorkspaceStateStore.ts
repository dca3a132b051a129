/**
 * The workspace's remembered state (open tabs, layout, panels, terminals, run
 * configurations) as the server keeps it per user, so a reload or another device opens the
 * workspace as it was left. Loaded once; parts change their slice with `update`, and the
 * whole document is saved a second after the last change, and at once when the page is
 * hidden or left.
 */
import { emptyWorkspaceState, workspaceState, type WorkspaceState } from '@workcell/protocol';

import { api } from '../../api/api';
import { ApiError } from '../../api/client';

/** A part's change: the next state from the current one, without changing it. */
export type StateRecipe = (state: WorkspaceState) => WorkspaceState;

export interface WorkspaceStateStoreOptions {
  /** How long after the last change the state is saved. */
  debounceMs?: number;
  /** Told when the state could not be read or saved (remembering is a convenience: nothing else fails). */
  onError?: (message: string) => void;
  /** Where `pagehide` and `visibilitychange` come from (tests give their own). */
  window?: Window;
}

export class WorkspaceStateStore {
  private state: WorkspaceState = emptyWorkspaceState();
  /** The state as read or last saved: valid, and what a refused change goes back to. */
  private saved: WorkspaceState = this.state;
  private loading: Promise<WorkspaceState> | undefined;
  /** Unreadable: reading failed, and what could not be read is never overwritten. */
  private phase: 'unread' | 'read' | 'unreadable' = 'unread';
  /** Changes made before the state was read, applied on top of it once it is. */
  private pending: StateRecipe[] = [];
  private dirty = false;
  private saving: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly listeners = new Set<(state: WorkspaceState) => void>();
  private readonly debounceMs: number;
  private readonly onError: (message: string) => void;
  private readonly window: Window;

  constructor(
    private readonly workspace: string,
    options: WorkspaceStateStoreOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 1000;
    this.onError = options.onError ?? ((message) => console.warn(message));
    this.window = options.window ?? window;
    this.window.addEventListener('pagehide', this.onLeave);
    this.window.document.addEventListener('visibilitychange', this.onVisibility);
  }

  /** The stored state (read from the server the first time only), with any changes made since. */
  load(): Promise<WorkspaceState> {
    this.loading ??= api.workspaceState({ uuid: this.workspace }).then(
      (stored) => {
        this.state = stored;
        this.saved = stored;
        this.phase = 'read';
        const recipes = this.pending.splice(0);
        for (const recipe of recipes) this.apply(recipe);
        if (recipes.length > 0) this.schedule();
        return this.state;
      },
      (error: unknown) => {
        this.phase = 'unreadable';
        this.onError(`The workspace's layout and tabs could not be restored: ${messageOf(error)}`);
        for (const recipe of this.pending.splice(0)) this.apply(recipe);
        return this.state;
      },
    );
    return this.loading;
  }

  get current(): WorkspaceState {
    return this.state;
  }

  /** Told of every change, with the new state; returns the unsubscribe. */
  subscribe(listener: (state: WorkspaceState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Changes a slice. Before the state is read the change waits and is applied on top of
   * it; a change that would break the document's bounds is refused and reported.
   */
  update(recipe: StateRecipe): void {
    if (this.disposed) return;
    if (this.phase === 'unread') this.pending.push(recipe);
    else {
      this.apply(recipe);
      if (this.phase === 'read') this.schedule();
    }
  }

  /**
   * Saves now if anything changed since the last save; resolves when the server has it.
   * Every save is a keepalive request (the document is within its 64 KiB), so one under
   * way when the page goes still arrives.
   */
  async flush(): Promise<void> {
    this.cancelTimer();
    await this.saving;
    this.save();
    await this.saving;
  }

  /** Stops listening and saves what is left, outliving the page. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.window.removeEventListener('pagehide', this.onLeave);
    this.window.document.removeEventListener('visibilitychange', this.onVisibility);
    this.listeners.clear();
    this.leave();
  }

  private save(): void {
    if (!this.dirty || this.phase !== 'read') return;
    this.dirty = false;
    const checked = workspaceState.safeParse(this.state);
    if (!checked.success) {
      // A part went past the bounds: what changed since the last save is undone, not sent.
      this.onError(`A change to the workspace's layout was refused: ${checked.error.message}`);
      this.setState(this.saved);
      return;
    }
    this.saved = checked.data;
    const saving = api
      .saveWorkspaceState({ uuid: this.workspace, body: checked.data }, { keepalive: true })
      .then(
        () => undefined,
        (error: unknown) => {
          // Offline: saved with the next change or flush. Refused: resending would not help.
          if (error instanceof ApiError && error.code === 'NETWORK') this.dirty = true;
          this.onError(`The workspace's layout and tabs could not be saved: ${messageOf(error)}`);
        },
      )
      .finally(() => {
        if (this.saving === saving) this.saving = undefined;
      });
    this.saving = saving;
  }

  /** The page may be gone before a save under way answers: what changed since goes now. */
  private leave(): void {
    this.cancelTimer();
    this.save();
  }

  /**
   * Changes are checked against the schema when they are saved, not one by one: the cursor
   * position changes at every key, and checking a document of a hundred tabs takes 0.65 ms.
   * What users type is checked where they type it (the run configuration dialog).
   */
  private apply(recipe: StateRecipe): void {
    this.setState(recipe(this.state));
    this.dirty = true;
  }

  private setState(state: WorkspaceState): void {
    this.state = state;
    for (const listener of [...this.listeners]) listener(state);
  }

  private schedule(): void {
    this.cancelTimer();
    this.timer = setTimeout(() => void this.flush(), this.debounceMs);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly onLeave = () => this.leave();

  private readonly onVisibility = () => {
    if (this.window.document.visibilityState === 'hidden') this.leave();
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
