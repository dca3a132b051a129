/** What a workspace shows on its first visit: its main Python file, as a README would say. */
import { useEffect } from 'react';

import type { EditorHandle } from '../workspace/contracts';
import type { TreeEntry } from '../workspace/file-tree/tree-model';
import type { WorkspaceSession } from '../workspace/session/WorkspaceSession';
import type { EditorTabsMemory } from '../workspace/state/editorTabs';

/** Opens the main file unless tabs are remembered from an earlier visit. */
export function useOpenMainFileOnFirstVisit(
  session: WorkspaceSession,
  editor: EditorHandle,
  tabs: EditorTabsMemory,
) {
  useEffect(() => {
    // A first visit opens the workspace's main Python file, as a template's README would.
    if (tabs.remembered().groups.some((group) => group.tabs.length > 0)) return;
    let live = true;
    session.files
      .current()
      .then((model) => {
        const main = mainPythonFile([...model.values()]);
        if (live && main) editor.open(main);
      })
      .catch((error: unknown) => console.warn('files not listed', error));
    return () => {
      live = false;
    };
  }, [session, editor, tabs]);
}

const MAIN_FILES = ['main.py', 'script.py', 'app.py', 'analysis.py'];

function mainPythonFile(files: readonly TreeEntry[]): string | undefined {
  const python = files
    .filter((entry) => entry.type === 'file' && entry.path.endsWith('.py'))
    .map((entry) => entry.path);
  return (
    MAIN_FILES.find((name) => python.includes(name)) ?? python.find((path) => !path.includes('/'))
  );
}
