/**
 * The Monaco side of the language server: Monaco's own LSP client on an open socket, made
 * disposable (it has no dispose of its own, and a second client would register every
 * provider twice), plus the Python-model watch that starts the connection lazily and the
 * opener that "go to definition" uses to leave the current file.
 */
import * as lsp from 'monaco-lsp-client';

import { request, workspaceUrl } from '../../api/client';
import { monaco } from '../editor/monaco';
import { LanguageClient, type Disposable } from './LanguageClient';

type Transport = ConstructorParameters<typeof lsp.MonacoLspClient>[0];
type Message = Parameters<Transport['send']>[0];

const WORKSPACE_PREFIX = 'file:///workspace/';
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

/**
 * Monaco's client lowercases the URIs it opens documents under and opens every model (diff
 * views, logs): the language server gets only workspace Python files, under their real
 * names, the same names the client's requests use. And it gives a completion item without
 * a text edit an empty range at the cursor, so Monaco neither filters nor ranks by the
 * word typed (`os.pa` listed `_path` first): such items get the typed word's range.
 */
function workspacePythonOnly(
  inner: Transport,
  socket: WebSocket,
  targets: LocationTargets,
): Transport {
  const completions = new Map<string | number, { uri: string; line: number; character: number }>();
  const locations = new Set<string | number>();
  return {
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
      const rewritten = rewriteSync(message);
      // Chromium logs a console error for each send on a closed socket (the didClose of
      // every document when the client is disposed after the server went away).
      if (!rewritten || socket.readyState !== WebSocket.OPEN) return Promise.resolve();
      return inner.send(rewritten);
    },
    setListener: (listener) =>
      inner.setListener(
        listener &&
          ((message) => {
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
  if (!real.startsWith(WORKSPACE_PREFIX) || !/\.pyi?$/.test(real)) return undefined;
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
 * stand-in with the editor's own model), anything else (a library stub) with a note. They
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
        const path = workspacePath(uri);
        const content = path === undefined ? stubNote(uri) : await this.read(path);
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
      const file = await request<{ content: string; encoding: string }>(
        'GET',
        workspaceUrl(this.workspace, 'file', path),
      );
      return file.encoding === 'utf-8' ? file.content : '';
    } catch {
      return '';
    }
  }
}

function stubNote(uri: monaco.Uri): string {
  return `# ${uri.path}\n# Part of Python or an installed library: not a file of this workspace.\n`;
}

function attachMonaco(workspace: string, socket: WebSocket): Disposable {
  const transport = lsp.WebSocketTransport.fromWebSocket(socket);
  const targets = new LocationTargets(workspace);
  const client = new OwnedLspClient(workspacePythonOnly(transport, socket, targets));
  return {
    dispose: () => {
      client.dispose();
      targets.dispose();
      // Diagnostics of a server that is gone would stay on screen forever.
      monaco.editor.removeAllMarkers(LSP_MARKER_OWNER);
    },
  };
}

export function isPythonModel(model: monaco.editor.ITextModel): boolean {
  const uri = model.uri.toString(true);
  return uri.startsWith(WORKSPACE_PREFIX) && /\.pyi?$/.test(uri);
}

/** The workspace path of a model URI, or undefined outside the workspace. */
export function workspacePath(uri: monaco.Uri): string | undefined {
  const text = uri.toString(true);
  return text.startsWith(WORKSPACE_PREFIX) ? text.slice(WORKSPACE_PREFIX.length) : undefined;
}

export interface PythonLanguageOptions {
  workspace: string;
  /** Opens a workspace file in the editor (and makes it the active tab). */
  openFile: (path: string) => void;
  /** Go to definition led outside the workspace (a library stub). */
  onExternalLocation: (uri: monaco.Uri, line: number) => void;
}

/**
 * A language client for one workspace that connects when the first Python file is opened
 * in the editor. Dispose it when the workspace is left.
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
  const startIfPython = (model: monaco.editor.ITextModel) => {
    if (isPythonModel(model)) client.start();
  };
  monaco.editor.getModels().forEach(startIfPython);
  const created = monaco.editor.onDidCreateModel(startIfPython);
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
      if (path === undefined) options.onExternalLocation(resource, line);
      else revealInEditor(options.openFile, path, line, column);
      return true;
    },
  });
  return {
    client,
    dispose: () => {
      opener.dispose();
      created.dispose();
      client.dispose();
    },
  };
}

/**
 * Opens `path` in the editor (through the editor's own tabs, so it is loaded and saved as
 * any other file) and puts the cursor at line:column once its model is shown.
 */
export function revealInEditor(
  openFile: (path: string) => void,
  path: string,
  line: number,
  column: number,
): void {
  const wanted = `${WORKSPACE_PREFIX}${path}`;
  const shows = (editor: monaco.editor.ICodeEditor) =>
    editor.getModel()?.uri.toString(true) === wanted;
  const reveal = (editor: monaco.editor.ICodeEditor) => {
    editor.setPosition({ lineNumber: line, column });
    editor.revealPositionInCenter({ lineNumber: line, column });
    editor.focus();
  };
  openFile(path);
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
