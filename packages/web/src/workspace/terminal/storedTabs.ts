/**
 * The terminal tabs of a workspace as remembered between visits, so a reload reattaches
 * each by its id; where they are kept is the memory's business.
 */
export interface StoredTab {
  id: string;
  name: string;
  run?: { path: string };
}

export interface StoredTabs {
  tabs: StoredTab[];
  activeId?: string;
}

export interface TerminalTabsMemory {
  /** The remembered tabs; undefined when there are none (the first visit). */
  load(): StoredTabs | undefined;
  save(tabs: StoredTabs): void;
}
