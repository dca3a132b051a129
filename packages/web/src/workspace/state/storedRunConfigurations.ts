/** Each file's run configuration (arguments and environment), remembered with the workspace's state. */
import type { RunConfiguration } from '@workcell/protocol';

import type { WorkspaceStateStore } from './WorkspaceStateStore';

const none = (): RunConfiguration => ({ args: [], env: {} });

export class RunConfigurations {
  constructor(private readonly store: WorkspaceStateStore) {}

  /** The file's configuration; no arguments and no variables when none was set. */
  get(path: string): RunConfiguration {
    return this.store.current.runConfigurations[path] ?? none();
  }

  /** Remembers the file's configuration; an empty one is forgotten rather than stored. */
  set(path: string, config: RunConfiguration): void {
    this.store.update((state) => {
      const others = Object.fromEntries(
        Object.entries(state.runConfigurations).filter(([key]) => key !== path),
      );
      const empty = config.args.length === 0 && Object.keys(config.env).length === 0;
      return { ...state, runConfigurations: empty ? others : { ...others, [path]: config } };
    });
  }
}
