/** Which files were open in a workspace, and which was active, for the next visit. */
export interface OpenTabs {
  paths: string[];
  active: string | undefined;
}

const key = (workspace: string) => `workcell.tabs.${workspace}`;

export function loadOpenTabs(storage: Storage, workspace: string): OpenTabs {
  try {
    const value = JSON.parse(storage.getItem(key(workspace)) ?? 'null') as Partial<OpenTabs> | null;
    const paths = Array.isArray(value?.paths)
      ? value.paths.filter((path): path is string => typeof path === 'string')
      : [];
    const active =
      typeof value?.active === 'string' && paths.includes(value.active) ? value.active : paths[0];
    return { paths: [...new Set(paths)], active };
  } catch {
    return { paths: [], active: undefined };
  }
}

export function saveOpenTabs(storage: Storage, workspace: string, tabs: OpenTabs): void {
  try {
    if (tabs.paths.length === 0) storage.removeItem(key(workspace));
    else storage.setItem(key(workspace), JSON.stringify(tabs));
  } catch {
    // Storage full: remembering tabs is a convenience, nothing is lost.
  }
}
