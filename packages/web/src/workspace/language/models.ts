/**
 * How the language features name files: workspace files are Monaco models at
 * `file:///workspace/<path>` (the bridge maps them to the cell's directory), library files
 * at their path in the cell. Light: the page uses it before Monaco's LSP client loads.
 */
import { monaco } from '../editor/monaco';

export const WORKSPACE_PREFIX = 'file:///workspace/';
const VENV = '.venv/';

/**
 * A workspace Python file the language server is told about. Not the .venv's: it lives on
 * the cell's volume, is never synced, and is a library as far as the editor goes.
 */
export function isSyncedPython(uri: string): boolean {
  return (
    uri.startsWith(WORKSPACE_PREFIX) &&
    !uri.startsWith(WORKSPACE_PREFIX + VENV) &&
    /\.pyi?$/.test(uri)
  );
}

/** The workspace path of a model URI, or undefined outside the workspace. */
export function workspacePath(uri: monaco.Uri): string | undefined {
  const text = uri.toString(true);
  return text.startsWith(WORKSPACE_PREFIX) ? text.slice(WORKSPACE_PREFIX.length) : undefined;
}

/**
 * The path a library location is read by (GET …/lsp/source): a file:// URI outside the
 * workspace, or in its .venv.
 */
export function libraryPath(uri: monaco.Uri): string | undefined {
  if (uri.scheme !== 'file') return undefined;
  const path = workspacePath(uri);
  return path === undefined || path.startsWith(VENV) ? uri.path : undefined;
}

/**
 * Opens a file with `open` (through the editor's own tabs, so a workspace file is loaded
 * and saved as any other) and puts the cursor at line:column once the model of `uri` is
 * shown.
 */
export function revealInEditor(open: () => void, uri: string, line: number, column: number): void {
  const shows = (editor: monaco.editor.ICodeEditor) =>
    editor.getModel()?.uri.toString(true) === uri;
  const reveal = (editor: monaco.editor.ICodeEditor) => {
    editor.setPosition({ lineNumber: line, column });
    editor.revealPositionInCenter({ lineNumber: line, column });
    editor.focus();
  };
  open();
  const editors = monaco.editor.getEditors();
  const showing = editors.find(shows);
  if (showing) {
    reveal(showing);
    return;
  }
  // The file may still be loading: wait (a little) for an editor to show it.
  const listeners = editors.map((editor) =>
    editor.onDidChangeModel(() => {
      if (!shows(editor)) return;
      stop();
      reveal(editor);
    }),
  );
  const timer = setTimeout(() => stop(), 10_000);
  function stop() {
    clearTimeout(timer);
    for (const listener of listeners) listener.dispose();
  }
}
