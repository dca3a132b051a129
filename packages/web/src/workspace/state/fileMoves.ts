/**
 * The remembered state following the workspace's files: a move or rename carries the open
 * tabs (with their cursors) and run configurations to the new path, a deletion forgets the
 * file's run configuration. A folder carries everything under it.
 */
import type { WorkspaceState } from '@workcell/protocol';

/** `path` under its new name when it is `from` or lies under it; otherwise undefined. */
function moved(path: string, from: string, to: string): string | undefined {
  if (path === from) return to;
  return path.startsWith(`${from}/`) ? `${to}${path.slice(from.length)}` : undefined;
}

const inside = (path: string, gone: string) => path === gone || path.startsWith(`${gone}/`);

export function afterMove(state: WorkspaceState, from: string, to: string): WorkspaceState {
  const rename = (path: string) => moved(path, from, to) ?? path;
  return {
    ...state,
    editorGroups: state.editorGroups.map((group) => ({
      ...group,
      tabs: group.tabs.map((tab) => ({ ...tab, path: rename(tab.path) })),
      ...(group.active !== undefined && { active: rename(group.active) }),
    })),
    runConfigurations: Object.fromEntries(
      Object.entries(state.runConfigurations).map(([path, config]) => [rename(path), config]),
    ),
  };
}

export function afterDelete(state: WorkspaceState, gone: string): WorkspaceState {
  return {
    ...state,
    runConfigurations: Object.fromEntries(
      Object.entries(state.runConfigurations).filter(([path]) => !inside(path, gone)),
    ),
  };
}
