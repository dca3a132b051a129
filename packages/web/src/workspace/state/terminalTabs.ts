/** The terminal tabs kept in the workspace's state: their ids, so a reload reattaches the same shells. */
import type { StoredTabs, TerminalTabsMemory } from '../terminal/storedTabs';
import type { WorkspaceStateStore } from './WorkspaceStateStore';

export function storedTerminalTabs(store: WorkspaceStateStore): TerminalTabsMemory {
  return {
    load: () => {
      const { terminals, activeTerminal } = store.current;
      if (terminals.length === 0) return undefined;
      return {
        tabs: terminals.map(({ id, name, path }) => ({
          id,
          name,
          ...(path !== undefined && { run: { path } }),
        })),
        ...(activeTerminal !== undefined && { activeId: activeTerminal }),
      };
    },
    save: ({ tabs, activeId }: StoredTabs) =>
      store.update((state) => ({
        ...state,
        terminals: tabs.map(({ id, name, run }) => ({
          id,
          name: name.slice(0, 100) || id,
          kind: run ? ('run' as const) : ('shell' as const),
          ...(run && { path: run.path }),
        })),
        activeTerminal: activeId,
      })),
  };
}
