/**
 * Models for the files a language answer points into that are not open: read-only stand-ins
 * for the targets of a definition or reference, a library file's read-only tab, and the
 * editor's own models of the files a rename changes.
 */
import { api, readFile } from '../../api/api';
import { monaco } from '../editor/monaco';
import { requestEditor } from '../editor/editorRequests';
import { isSyncedPython, libraryPath, revealInEditor, workspacePath } from './models';

/**
 * Read-only stand-ins for the files a definition or reference points into that are not
 * open: a workspace file with its text (the peek view shows it; opening it replaces the
 * stand-in with the editor's own model), a library file with its text from the cell. They
 * are not synced to the server, and go with the connection.
 */
export class LocationTargets {
  private static readonly uris = new Set<string>();
  private readonly models = new Set<monaco.editor.ITextModel>();

  constructor(private readonly workspace: string) {}

  static isTarget(uri: string): boolean {
    return LocationTargets.uris.has(uri);
  }

  async ensure(uris: string[]): Promise<void> {
    await Promise.all(
      uris.map(async (text) => {
        const uri = monaco.Uri.parse(text);
        if (monaco.editor.getModel(uri)) return;
        const library = libraryPath(uri);
        const path = workspacePath(uri);
        const content =
          library !== undefined
            ? await readLibrary(this.workspace, library).catch(() => stubNote(uri))
            : path === undefined
              ? stubNote(uri)
              : await this.read(path);
        if (monaco.editor.getModel(uri)) return;
        // Marked before creation, which is what makes the client open it on the server; the
        // mark goes after the client's close on dispose, so neither is sent.
        const key = uri.toString(true);
        LocationTargets.uris.add(key);
        const model = monaco.editor.createModel(content, 'python', uri);
        this.models.add(model);
        model.onWillDispose(() => {
          this.models.delete(model);
          LocationTargets.uris.delete(key);
        });
      }),
    );
  }

  dispose(): void {
    for (const model of [...this.models]) model.dispose();
  }

  private async read(path: string): Promise<string> {
    try {
      const file = await readFile(this.workspace, path);
      return file.encoding === 'utf-8' ? file.content : '';
    } catch {
      return '';
    }
  }
}

/**
 * Monaco applies a WorkspaceEdit only to models it has: each workspace file a rename
 * changes that has none (or only a read-only stand-in) is opened in a tab of the editor
 * first, not shown (that would cancel the rename), so the edit is saved as typing would be
 * (with versions, autosave, undo).
 */
export async function openForEdit(uris: string[]) {
  const missing = uris.filter(
    (uri) =>
      isSyncedPython(uri) &&
      (!monaco.editor.getModel(monaco.Uri.parse(uri)) || LocationTargets.isTarget(uri)),
  );
  if (missing.length === 0) return;
  for (const uri of missing)
    requestEditor({ kind: 'background', path: workspacePath(monaco.Uri.parse(uri))! });
  await Promise.all(missing.map(editorModel));
}

/** Resolves once the editor's own model of `uri` exists (not a stand-in), or after 10 s. */
function editorModel(uri: string): Promise<void> {
  const ready = () =>
    monaco.editor.getModel(monaco.Uri.parse(uri)) !== null && !LocationTargets.isTarget(uri);
  return new Promise((resolve) => {
    if (ready()) return resolve();
    const created = monaco.editor.onDidCreateModel(() => {
      if (ready()) finish();
    });
    const timer = setTimeout(finish, 10_000);
    function finish() {
      clearTimeout(timer);
      created.dispose();
      resolve();
    }
  });
}

async function readLibrary(workspace: string, path: string): Promise<string> {
  const source = await api.librarySource({ uuid: workspace, query: { path } });
  return source.content;
}

/** Opens a library file in a read-only tab with the cursor at line:column. */
export async function openLibrary(
  workspace: string,
  uri: monaco.Uri,
  line: number,
  column: number,
): Promise<void> {
  const path = libraryPath(uri)!;
  const content = await readLibrary(workspace, path);
  const text = uri.toString(true);
  const open = () => requestEditor({ kind: 'read-only', doc: { uri: text, path, content } });
  revealInEditor(open, text, line, column);
}

function stubNote(uri: monaco.Uri): string {
  return `# ${uri.path}\n# Part of Python or an installed library: not a file of this workspace.\n`;
}
