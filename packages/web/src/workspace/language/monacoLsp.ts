/**
 * The Monaco side of the language server: Monaco's own LSP client on an open socket, made
 * disposable (it has no dispose of its own, and a second client would register every
 * provider twice), plus the Python-model watch that starts the connection lazily and the
 * opener that "go to definition" uses to leave the current file.
 */
import * as lsp from 'monaco-lsp-client';

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
function workspacePythonOnly(inner: Transport): Transport {
  const completions = new Map<string | number, { uri: string; line: number; character: number }>();
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
      const rewritten = rewriteSync(message);
      return rewritten ? inner.send(rewritten) : Promise.resolve();
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
  const textDocument = { ...params.textDocument, uri: real };
  return { ...message, params: { ...params, textDocument } };
}

function attachMonaco(socket: WebSocket): Disposable {
  const transport = lsp.WebSocketTransport.fromWebSocket(socket);
  const client = new OwnedLspClient(workspacePythonOnly(transport));
  return {
    dispose: () => {
      client.dispose();
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
    attach: attachMonaco,
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
