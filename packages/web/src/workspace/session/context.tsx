/** React's view of the workspace session: components read it, they do not fetch. */
import { createContext, useContext, useSyncExternalStore } from 'react';

import type { OpenDocs } from '../editor/docs';
import type { CellView } from '../status-bar/StatusBar';
import type { FilesState } from './files';
import type { WorkspaceSession } from './WorkspaceSession';

export const SessionContext = createContext<WorkspaceSession | undefined>(undefined);

export function useSession(): WorkspaceSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a SessionContext provider.');
  return session;
}

export function useFiles(): FilesState {
  const { files } = useSession();
  return useSyncExternalStore(files.subscribe, files.getSnapshot);
}

export function useCell(): CellView {
  const session = useSession();
  return useSyncExternalStore(session.subscribeCell, session.getCell);
}

/**
 * The open documents, re-rendering on every change to them. The editor's chunk opens them
 * first (`session.openDocuments`, pages/WorkspaceEditor.tsx).
 */
export function useDocs(): OpenDocs {
  const { docs } = useSession();
  if (!docs) throw new Error('useDocs needs the open documents: session.openDocuments first.');
  useSyncExternalStore(docs.subscribe, docs.getRevision);
  return docs;
}
