/**
 * What the language features ask of the editor area beyond the page's handle (which the
 * page may hold before the editor has loaded): a library file that "go to definition" led
 * to, shown in a read-only tab beside the workspace's files and never saved; and a
 * workspace file opened without being shown, for a rename to edit (switching the editor's
 * model would cancel the rename).
 */
export interface ReadOnlyDoc {
  /** The model's URI (the language server's name for the file). */
  uri: string;
  /** What the tab and the toolbar show. */
  path: string;
  content: string;
}

export type EditorRequest =
  { kind: 'read-only'; doc: ReadOnlyDoc } | { kind: 'background'; path: string };

const listeners = new Set<(request: EditorRequest) => void>();

/** Asks the editor area; false if there is none. */
export function requestEditor(request: EditorRequest): boolean {
  for (const listener of listeners) listener(request);
  return listeners.size > 0;
}

export function onEditorRequest(listener: (request: EditorRequest) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The tab key of a read-only document: never a workspace path (those have no scheme). */
export const readOnlyKey = (uri: string) => `library:${uri}`;
