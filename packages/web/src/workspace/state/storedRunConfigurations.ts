/** Each file's run configuration (arguments and environment), remembered with the workspace's state. */
import {
  EMPTY_RUN_CONFIG,
  type RunConfig,
  type RunConfigurations,
} from '../terminal/runConfigurations';
import type { WorkspaceStateStore } from './WorkspaceStateStore';

export class StoredRunConfigurations implements RunConfigurations {
  constructor(private readonly store: WorkspaceStateStore) {}

  /** The file's configuration; no arguments and no variables when none was set. */
  get(path: string): RunConfig {
    return this.store.current.runConfigurations[path] ?? EMPTY_RUN_CONFIG;
  }

  /** Remembers the file's configuration; an empty one is forgotten rather than stored. */
  set(path: string, config: RunConfig): void {
    this.store.update((state) => {
      const others = Object.fromEntries(
        Object.entries(state.runConfigurations).filter(([key]) => key !== path),
      );
      const empty = config.args.length === 0 && Object.keys(config.env).length === 0;
      return { ...state, runConfigurations: empty ? others : { ...others, [path]: config } };
    });
  }
}
