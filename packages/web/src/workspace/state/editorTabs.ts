/**
 * The editor's groups as the workspace's state remembers them: which files each group
 * has open, its active one, which group has focus, and where each tab's cursor and scroll
 * were, so a reload or another device shows a split editor as it was left.
 */
import {
  WORKSPACE_STATE_LIMITS,
  type EditorGroup,
  type EditorTab,
  type WorkspaceState,
} from '@workcell/protocol';

import type { WorkspaceStateStore } from './WorkspaceStateStore';

export interface TabPosition {
  cursor: EditorTab['cursor'];
  scroll: EditorTab['scroll'];
}

/** The groups left to right, each with its files in tab order; `focused` indexes them. */
export interface RememberedLayout {
  groups: ReadonlyArray<{ tabs: readonly string[]; active: string | undefined }>;
  focused: number;
}

const START: TabPosition = { cursor: { line: 1, column: 1 }, scroll: { top: 0, left: 0 } };

export class EditorTabsMemory {
  constructor(readonly store: WorkspaceStateStore) {}

  /** The groups as the page was left. */
  remembered(): RememberedLayout {
    const { editorGroups, activeGroup } = this.store.current;
    return {
      groups: editorGroups.map(({ tabs, active }) => ({
        tabs: tabs.map((tab) => tab.path),
        active: active ?? tabs[0]?.path,
      })),
      focused: activeGroup,
    };
  }

  /** Where the file's cursor and scroll were left in that group; undefined if not remembered. */
  position(group: number, path: string): TabPosition | undefined {
    return tabIn(this.store.current.editorGroups[group], path);
  }

  /** The groups now; a tab keeps the position remembered for it (in whichever group it was). */
  saveLayout(layout: RememberedLayout): void {
    this.store.update((state) => {
      const groups = layout.groups.slice(0, WORKSPACE_STATE_LIMITS.editorGroups);
      const editorGroups = groups.map(({ tabs, active }, index): EditorGroup => {
        const kept = bounded(tabs, active);
        return {
          tabs: kept.map((path) => knownTab(state, index, path) ?? { path, ...START }),
          ...(active !== undefined && kept.includes(active) && { active }),
        };
      });
      return {
        ...state,
        editorGroups: editorGroups.length > 0 ? editorGroups : [{ tabs: [] }],
        activeGroup: Math.max(0, Math.min(layout.focused, editorGroups.length - 1)),
      };
    });
  }

  savePosition(group: number, path: string, position: TabPosition): void {
    const known = this.position(group, path);
    const scroll = roundScroll(position.scroll);
    if (
      !known ||
      JSON.stringify([known.cursor, known.scroll]) === JSON.stringify([position.cursor, scroll])
    )
      return;
    this.store.update((state) => ({
      ...state,
      editorGroups: state.editorGroups.map((each, index) =>
        index !== group
          ? each
          : {
              ...each,
              tabs: each.tabs.map((tab) =>
                tab.path === path ? { ...tab, cursor: position.cursor, scroll } : tab,
              ),
            },
      ),
    }));
  }
}

function tabIn(group: EditorGroup | undefined, path: string): EditorTab | undefined {
  return group?.tabs.find((tab) => tab.path === path);
}

/** The tab as remembered in that group, else in another (a tab moved or split there). */
function knownTab(state: WorkspaceState, group: number, path: string): EditorTab | undefined {
  return (
    tabIn(state.editorGroups[group], path) ??
    state.editorGroups.map((each) => tabIn(each, path)).find((tab) => tab !== undefined)
  );
}

/** At most the tabs a group may remember: the oldest are forgotten first, never the active one. */
function bounded(tabs: readonly string[], active: string | undefined): readonly string[] {
  const excess = tabs.length - WORKSPACE_STATE_LIMITS.tabsPerGroup;
  if (excess <= 0) return tabs;
  const oldest = new Set(tabs.filter((tab) => tab !== active).slice(0, excess));
  return tabs.filter((tab) => !oldest.has(tab));
}

const roundScroll = ({ top, left }: TabPosition['scroll']) => ({
  top: Math.round(top),
  left: Math.round(left),
});
