/**
 * The Monaco side of the language server: Monaco's own LSP client on an open socket, made
 * disposable (it has no dispose of its own, and a second client would register every
 * provider twice), the opener that "go to definition" uses to leave the current file (a
 * workspace file's tab, or a library file's read-only tab), and renames across files.
 * Loaded (with the LSP client) only once a Python file opens: usePythonLanguage.
 */
import * as lsp from 'monaco-lsp-client';

import { api, readFile } from '../../api/api';
import { monaco } from '../editor/monaco';
import { requestEditor } from '../editor/editorRequests';
import { LanguageClient, type Disposable } from './LanguageClient';
import {
  isSyncedPython,
  libraryPath,
  revealInEditor,
  WORKSPACE_PREFIX,
  workspacePath,
} from './models';

type Transport = ConstructorParameters<typeof lsp.MonacoLspClient>[0];
type Message = Parameters<Transport['send']>[0];

const SYNC_METHODS = new Set([
  'textDocument/didOpen',
  'textDocument/didChange',
  'textDocument/didClose',
]);
/** Monaco's LSP client reports diagnostics under this marker owner. */
export const LSP_MARKER_OWNER = 'lsp';

/** The private parts of MonacoLspClient that hold listeners on Monaco's models. */
interface ClientInternals {
  _bridge?: Disposable & { _managedModels?: Map<unknown, Disposable> };
  _capabilitiesRegistry?: Disposable;
}

class OwnedLspClient extends lsp.MonacoLspClient {
  // `declare`: a field initialiser would run after the base constructor and forget it.
  declare private features: Disposable | undefined;

  protected override createFeatures(): Disposable {
    const features = super.createFeatures();
    this.features = features;
    return features;
  }

  dispose(): void {
    this.features?.dispose();
    const internals = this as unknown as ClientInternals;
    for (const model of internals._bridge?._managedModels?.values() ?? []) model.dispose();
    internals._bridge?.dispose();
    internals._capabilitiesRegistry?.dispose();
  }
}

/** A request of our own on the client's connection (its answer never reaches the client). */
type Ask = (method: string, params: unknown) => Promise<unknown>;
const OWN_ID_PREFIX = 'workcell-';

/**
 * Monaco's client lowercases the URIs it opens documents under and opens every model (diff
 * views, logs): the language server gets only workspace Python files, under their real
 * names, the same names the client's requests use. And it gives a completion item without
 * a text edit an empty range at the cursor, so Monaco neither filters nor ranks by the
 * word typed (`os.pa` listed `_path` first): such items get the typed word's range. The
 * files a location or a rename's edit is in get models before the client sees the answer.
 */
function workspacePythonOnly(
  inner: Transport,
  socket: WebSocket,
  targets: LocationTargets,
): { transport: Transport; ask: Ask } {
  const completions = new Map<string | number, { uri: string; line: number; character: number }>();
  const locations = new Set<string | number>();
  const renames = new Set<string | number>();
  const asked = new Map<string, (result: unknown) => void>();
  let asks = 0;
  const send = (message: Message) => {
    const rewritten = rewriteSync(message);
    // Chromium logs a console error for each send on a closed socket (the didClose of
    // every document when the client is disposed after the server went away).
    if (!rewritten || socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    return inner.send(rewritten);
  };
  const ask: Ask = (method, params) => {
    const id = `${OWN_ID_PREFIX}${++asks}`;
    return new Promise((resolve) => {
      asked.set(id, resolve);
      void send({ jsonrpc: '2.0', id, method, params } as Message);
    });
  };
  const transport: Transport = {
    get state() {
      return inner.state;
    },
    send: (message: Message) => {
      if (message.method === 'textDocument/completion' && message.id !== undefined) {
        const params = message.params as {
          textDocument: { uri: string };
          position: { line: number; character: number };
        };
        completions.set(message.id, { uri: params.textDocument.uri, ...params.position });
      }
      if (message.method && LOCATION_METHODS.has(message.method) && message.id !== undefined)
        locations.add(message.id);
      if (message.method === 'textDocument/rename' && message.id !== undefined)
        renames.add(message.id);
      return send(message);
    },
    setListener: (listener) =>
      inner.setListener(
        listener &&
          ((message) => {
            const answer = typeof message.id === 'string' ? asked.get(message.id) : undefined;
            if (message.method === undefined && answer) {
              asked.delete(message.id as string);
              answer(message.result ?? null);
              return;
            }
            if (message.method === undefined && message.id != null && renames.delete(message.id)) {
              void openForEdit(editUris(message.result)).then(() => listener(message));
              return;
            }
            const request =
              message.method === undefined && message.id != null
                ? completions.get(message.id)
                : undefined;
            if (request && message.id != null) completions.delete(message.id);
            if (
              message.method === undefined &&
              message.id != null &&
              locations.delete(message.id)
            ) {
              // The client fails on a location in a file without a model: make them first.
              void targets.ensure(locationUris(message.result)).then(() => listener(message));
              return;
            }
            listener(request ? withWordRanges(message, request) : message);
          }),
      ),
    toString: () => inner.toString(),
  };
  return { transport, ask };
}

/** The files a WorkspaceEdit changes. */
function editUris(edit: unknown): string[] {
  if (typeof edit !== 'object' || edit === null) return [];
  const { changes, documentChanges } = edit as {
    changes?: Record<string, unknown>;
    documentChanges?: { textDocument?: { uri?: unknown } }[];
  };
  const uris = Object.keys(changes ?? {});
  for (const change of documentChanges ?? []) {
    const uri = change?.textDocument?.uri;
    if (typeof uri === 'string') uris.push(uri);
  }
  return [...new Set(uris)];
}

/**
 * Monaco applies a WorkspaceEdit only to models it has: each workspace file a rename
 * changes that has none (or only a read-only stand-in) is opened in a tab of the editor
 * first, not shown (that would cancel the rename), so the edit is saved as typing would be
 * (with versions, autosave, undo).
 */
async function openForEdit(uris: string[]) {
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

/**
 * pyright renames only what the workspace defines (prepareRename answers null otherwise),
 * and Monaco would then offer to rename the word anyway and fail with "No result.". Asked
 * after the language server's provider (registered before it), this one says why when the
 * name is defined in a library.
 */
function libraryRenameRefusal(ask: Ask): monaco.IDisposable {
  return monaco.languages.registerRenameProvider('python', {
    provideRenameEdits: () => ({ edits: [] }),
    resolveRenameLocation: async (model, position) => {
      const word = model.getWordAtPosition(position);
      if (!word) return null;
      const definitions = locationUris(
        await ask('textDocument/definition', {
          textDocument: { uri: model.uri.toString(true) },
          position: { line: position.lineNumber - 1, character: position.column - 1 },
        }),
      );
      const library = definitions
        .map((uri) => libraryPath(monaco.Uri.parse(uri)))
        .find((path) => path !== undefined);
      if (library === undefined || definitions.some((uri) => isSyncedPython(uri))) return null;
      return {
        range: new monaco.Range(
          position.lineNumber,
          word.startColumn,
          position.lineNumber,
          word.endColumn,
        ),
        text: word.word,
        rejectReason: `“${word.word}” is defined in a library (${library}), not in this workspace: it cannot be renamed.`,
      };
    },
  });
}

interface LspCompletionItem {
  label: string;
  insertText?: string;
  textEdit?: unknown;
  [key: string]: unknown;
}

function withWordRanges(
  message: Message,
  request: { uri: string; line: number; character: number },
): Message {
  const result = message.result as
    LspCompletionItem[] | { items: LspCompletionItem[]; [key: string]: unknown } | null | undefined;
  const model = monaco.editor.getModels().find((m) => m.uri.toString(true) === request.uri);
  if (!result || !model) return message;
  const word = model.getWordUntilPosition({
    lineNumber: request.line + 1,
    column: request.character + 1,
  });
  const range = {
    start: { line: request.line, character: word.startColumn - 1 },
    end: { line: request.line, character: request.character },
  };
  const fix = (item: LspCompletionItem): LspCompletionItem =>
    item.textEdit ? item : { ...item, textEdit: { range, newText: item.insertText ?? item.label } };
  const fixed = Array.isArray(result)
    ? result.map(fix)
    : { ...result, items: result.items.map(fix) };
  return { ...message, result: fixed } as unknown as Message;
}

function rewriteSync(message: Message): Message | undefined {
  if (message.method === undefined || !SYNC_METHODS.has(message.method)) return message;
  const params = message.params as
    | { textDocument?: { uri?: unknown; [key: string]: unknown }; [key: string]: unknown }
    | undefined;
  const uri = params?.textDocument?.uri;
  if (!params || typeof uri !== 'string') return message;
  const model = monaco.editor.getModels().find((m) => m.uri.toString(true).toLowerCase() === uri);
  const real = model?.uri.toString(true) ?? uri;
  if (!isSyncedPython(real)) return undefined;
  if (LocationTargets.isTarget(real)) return undefined;
  const textDocument = { ...params.textDocument, uri: real };
  return { ...message, params: { ...params, textDocument } };
}

const LOCATION_METHODS = new Set([
  'textDocument/definition',
  'textDocument/declaration',
  'textDocument/typeDefinition',
  'textDocument/implementation',
  'textDocument/references',
]);

function locationUris(result: unknown): string[] {
  const list: unknown[] = Array.isArray(result) ? result : result ? [result] : [];
  const uris = new Set<string>();
  for (const location of list) {
    if (typeof location !== 'object' || location === null) continue;
    const { uri, targetUri } = location as { uri?: unknown; targetUri?: unknown };
    const target = typeof targetUri === 'string' ? targetUri : uri;
    if (typeof target === 'string') uris.add(target);
  }
  return [...uris];
}

/**
 * Read-only stand-ins for the files a definition or reference points into that are not
 * open: a workspace file with its text (the peek view shows it; opening it replaces the
 * stand-in with the editor's own model), a library file with its text from the cell. They
 * are not synced to the server, and go with the connection.
 */
class LocationTargets {
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

function attachMonaco(workspace: string, socket: WebSocket): Disposable {
  const targets = new LocationTargets(workspace);
  const { transport, ask } = workspacePythonOnly(
    lsp.WebSocketTransport.fromWebSocket(socket),
    socket,
    targets,
  );
  // Before the client: of two providers Monaco asks the newer first.
  const refusal = libraryRenameRefusal(ask);
  const client = new OwnedLspClient(transport);
  return {
    dispose: () => {
      client.dispose();
      refusal.dispose();
      targets.dispose();
      // Diagnostics of a server that is gone would stay on screen forever.
      monaco.editor.removeAllMarkers(LSP_MARKER_OWNER);
    },
  };
}

export interface PythonLanguageOptions {
  workspace: string;
  /** Opens a workspace file in the editor (and makes it the active tab). */
  openFile: (path: string) => void;
  /** Go to definition led to a library file (a typeshed stub, the cell's Python, the .venv). */
  onLibraryLocation: (uri: monaco.Uri, line: number, column: number) => void;
}

/**
 * A language client for one workspace, connected at once: this module (with Monaco's LSP
 * client) is loaded when the first Python file opens (usePythonLanguage). Dispose it when
 * the workspace is left.
 */
export function createPythonLanguage(options: PythonLanguageOptions): {
  client: LanguageClient<WebSocket>;
  dispose: () => void;
} {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const client = new LanguageClient<WebSocket>({
    url: `${scheme}://${location.host}/api/workspace/${encodeURIComponent(options.workspace)}/lsp`,
    openSocket: (url) => new WebSocket(url),
    attach: (socket) => attachMonaco(options.workspace, socket),
  });
  client.start();
  const opener = monaco.editor.registerEditorOpener({
    openCodeEditor: (_source, resource, selectionOrPosition) => {
      const line =
        selectionOrPosition === undefined
          ? 1
          : 'lineNumber' in selectionOrPosition
            ? selectionOrPosition.lineNumber
            : selectionOrPosition.startLineNumber;
      const column =
        selectionOrPosition === undefined
          ? 1
          : 'column' in selectionOrPosition
            ? selectionOrPosition.column
            : selectionOrPosition.startColumn;
      const path = workspacePath(resource);
      if (libraryPath(resource) !== undefined) options.onLibraryLocation(resource, line, column);
      else if (path !== undefined)
        revealInEditor(() => options.openFile(path), `${WORKSPACE_PREFIX}${path}`, line, column);
      else return false;
      return true;
    },
  });
  return {
    client,
    dispose: () => {
      opener.dispose();
      client.dispose();
    },
  };
}
