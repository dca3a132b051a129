/**
 * The terminal tabs of a workspace as remembered in the browser (localStorage), so a
 * reload reattaches each by its id. Anything unreadable is ignored, never fatal.
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

type TabStorage = Pick<Storage, 'getItem' | 'setItem'> | undefined;

export function loadTabs(storage: TabStorage, key: string): StoredTabs | undefined {
  try {
    const raw = storage?.getItem(key);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Partial<StoredTabs>;
    if (!Array.isArray(parsed.tabs)) return undefined;
    const tabs = parsed.tabs.filter(
      (tab): tab is StoredTab =>
        typeof tab?.id === 'string' &&
        /^[A-Za-z0-9_-]{1,64}$/.test(tab.id) &&
        typeof tab.name === 'string' &&
        (tab.run === undefined || typeof tab.run?.path === 'string'),
    );
    return { tabs, activeId: typeof parsed.activeId === 'string' ? parsed.activeId : undefined };
  } catch {
    return undefined; // Unreadable or blocked storage: start afresh.
  }
}

export function saveTabs(storage: TabStorage, key: string, stored: StoredTabs): void {
  try {
    storage?.setItem(key, JSON.stringify(stored));
  } catch {
    // Storage full or blocked: the tabs just will not survive a reload.
  }
}
