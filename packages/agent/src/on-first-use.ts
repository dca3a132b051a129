/**
 * A part of the agent loaded on first use. Terminals (node-pty and a headless xterm) are
 * most of the agent's code and user processes need child_process: none of them is needed
 * to say `ready`, and an idle cell may never open a terminal (docs/performance.md).
 */
export class OnFirstUse<T extends { dispose(): void }> {
  private loading: Promise<T> | undefined;
  private disposed = false;
  /** The instance, once loaded. */
  value: T | undefined;

  constructor(private readonly load: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.value) return Promise.resolve(this.value);
    this.loading ??= this.load().then(
      (value) => {
        if (this.disposed) value.dispose();
        this.value = value;
        return value;
      },
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }

  dispose(): void {
    this.disposed = true;
    this.value?.dispose();
  }
}
