/** Which folders of the tree are open, remembered per workspace in localStorage. */
import { useCallback, useEffect, useState } from 'react';

const storageKey = (workspace: string) => `workcell.fileTree.expanded.${workspace}`;

function readExpanded(workspace: string): ReadonlySet<string> {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(storageKey(workspace)) ?? '[]');
    return new Set(Array.isArray(saved) ? saved.filter((p) => typeof p === 'string') : []);
  } catch {
    return new Set();
  }
}

function writeExpanded(workspace: string, expanded: ReadonlySet<string>): void {
  try {
    localStorage.setItem(storageKey(workspace), JSON.stringify([...expanded]));
  } catch {
    // Storage full or disabled: the tree just forgets which folders were open.
  }
}

export function useExpanded(workspace: string) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => readExpanded(workspace));
  useEffect(() => writeExpanded(workspace, expanded), [workspace, expanded]);

  const setFolderOpen = useCallback(
    (path: string, open: boolean) =>
      setExpanded((current) => {
        if (current.has(path) === open) return current;
        const next = new Set(current);
        if (open) next.add(path);
        else next.delete(path);
        return next;
      }),
    [],
  );

  const openFolders = useCallback(
    (paths: readonly string[]) =>
      setExpanded((current) =>
        paths.every((path) => current.has(path)) ? current : new Set([...current, ...paths]),
      ),
    [],
  );

  return { expanded, setExpanded, setFolderOpen, openFolders };
}
