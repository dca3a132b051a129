/**
 * The workspace page's remembered state: one store per opened workspace, created and
 * disposed with the page, and the adapters its parts remember through. The page waits for
 * the state so tabs and panels do not jump, but never long: after a second it opens with
 * the defaults, and what it changes lands on top of the state once that arrives.
 */
import { useEffect, useState } from 'react';

import type { WorkspaceSession } from '../session/WorkspaceSession';
import type { RunConfigurations } from '../terminal/runConfigurations';
import type { TerminalTabsMemory } from '../terminal/storedTabs';
import { EditorTabsMemory } from './editorTabs';
import { afterDelete, afterMove } from './fileMoves';
import { StoredRunConfigurations } from './storedRunConfigurations';
import { storedTerminalTabs } from './terminalTabs';
import { WorkspaceStateStore } from './WorkspaceStateStore';

/** How long the first paint waits for the state. */
const FIRST_PAINT_WAIT_MS = 1000;

export interface WorkspaceMemory {
  store: WorkspaceStateStore;
  editorTabs: EditorTabsMemory;
  terminalTabs: TerminalTabsMemory;
  runConfigurations: RunConfigurations;
}

/** The workspace's memory once its state is read, or a second has passed; undefined until then. */
export function useWorkspaceState(workspace: string): WorkspaceMemory | undefined {
  const [memory, setMemory] = useState<WorkspaceMemory>();
  useEffect(() => {
    // Created here, not in render: StrictMode's rehearsal unmount disposes its own.
    const store = new WorkspaceStateStore(workspace);
    const ready: WorkspaceMemory = {
      store,
      editorTabs: new EditorTabsMemory(store),
      terminalTabs: storedTerminalTabs(store),
      runConfigurations: new StoredRunConfigurations(store),
    };
    let live = true;
    const show = () => {
      if (live) setMemory(ready);
    };
    const timer = setTimeout(show, FIRST_PAINT_WAIT_MS);
    void store.load().then(show);
    return () => {
      live = false;
      clearTimeout(timer);
      store.dispose();
    };
  }, [workspace]);
  return memory;
}

/** Keeps the remembered paths true as files are moved, renamed and deleted. */
export function useFollowFiles(store: WorkspaceStateStore, session: WorkspaceSession) {
  useEffect(() => {
    const following = session.onFileChanged(({ movedFrom, path, deleted }) => {
      if (movedFrom !== undefined) store.update((state) => afterMove(state, movedFrom, path));
      else if (deleted) store.update((state) => afterDelete(state, path));
    });
    return () => following.dispose();
  }, [store, session]);
}
