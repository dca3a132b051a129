/**
 * The editor's open tabs as the workspace's state remembers them: which files, which one
 * is active, and where each one's cursor and scroll were, so a reload or another device
 * shows them as they were left.
 */
import type { EditorTab, WorkspaceState } from '@workcell/protocol';

import type { WorkspaceStateStore } from './WorkspaceStateStore';

export interface TabPosition {
  cursor: EditorTab['cursor'];
  scroll: EditorTab['scroll'];
}

const START: TabPosition = { cursor: { line: 1, column: 1 }, scroll: { top: 0, left: 0 } };

export class EditorTabsMemory {
  constructor(private readonly store: WorkspaceStateStore) {}

  /** The files open when the page was left, and the active one. */
  remembered(): { paths: string[]; active: string | undefined } {
    const group = this.group(this.store.current);
    return { paths: group.tabs.map((tab) => tab.path), active: group.active };
  }

  /** Where the file's cursor and scroll were left; undefined for a file not remembered. */
  position(path: string): TabPosition | undefined {
    return this.group(this.store.current).tabs.find((tab) => tab.path === path);
  }

  /** The open files now; each keeps the position remembered for it. */
  saveTabs(paths: readonly string[], active: string | undefined): void {
    this.updateGroup((group) => ({
      tabs: paths.map((path) => {
        const known = group.tabs.find((tab) => tab.path === path);
        return known ?? { path, ...START };
      }),
      ...(active !== undefined && paths.includes(active) && { active }),
    }));
  }

  savePosition(path: string, position: TabPosition): void {
    const known = this.position(path);
    const scroll = roundScroll(position.scroll);
    if (
      !known ||
      JSON.stringify([known.cursor, known.scroll]) === JSON.stringify([position.cursor, scroll])
    )
      return;
    this.updateGroup((group) => ({
      ...group,
      tabs: group.tabs.map((tab) =>
        tab.path === path ? { ...tab, cursor: position.cursor, scroll } : tab,
      ),
    }));
  }

  private group(state: WorkspaceState) {
    return state.editorGroups[0] ?? { tabs: [], active: undefined };
  }

  private updateGroup(
    recipe: (
      group: WorkspaceState['editorGroups'][number],
    ) => WorkspaceState['editorGroups'][number],
  ): void {
    this.store.update((state) => ({
      ...state,
      editorGroups: [recipe(this.group(state)), ...state.editorGroups.slice(1)],
    }));
  }
}

const roundScroll = ({ top, left }: TabPosition['scroll']) => ({
  top: Math.round(top),
  left: Math.round(left),
});
