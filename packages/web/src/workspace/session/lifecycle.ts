/**
 * Ownership of listeners, timers and subscriptions, after VS Code's `Disposable`: whatever
 * is started is added to a store, and disposing the store ends all of it at once.
 */
export interface Disposable {
  dispose(): void;
}

export function toDisposable(dispose: () => void): Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      dispose();
    },
  };
}

export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Owns `item` (or an unsubscribe function); added after disposal, it is disposed at once. */
  add<T extends Disposable>(item: T): T;
  add(item: () => void): Disposable;
  add(item: Disposable | (() => void)): Disposable {
    const disposable = typeof item === 'function' ? toDisposable(item) : item;
    if (this.disposed) disposable.dispose();
    else this.items.add(disposable);
    return disposable;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const items = [...this.items];
    this.items.clear();
    for (const item of items) item.dispose();
  }
}

/** Listeners of one kind of event; each `on` answers the Disposable that removes it. */
export class Emitter<T> implements Disposable {
  private readonly listeners = new Set<(value: T) => void>();

  get size(): number {
    return this.listeners.size;
  }

  on(listener: (value: T) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
