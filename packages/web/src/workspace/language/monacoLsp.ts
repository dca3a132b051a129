/**
 * The Monaco side of the language server: Monaco's own LSP client on an open socket, made
 * disposable (it has no dispose of its own, and a second client would register every
 * provider twice), and the opener that "go to definition" uses to leave the current file
 * (a workspace file's tab, or a library file's read-only tab). What passes between the
 * client and pyright is lspTransport.ts'. Loaded (with the LSP client) only once a Python
 * file opens: usePythonLanguage.
 */
import * as lsp from 'monaco-lsp-client';

import { monaco } from '../editor/monaco';
import { LanguageClient, type Disposable } from './LanguageClient';
import { libraryRenameRefusal } from './libraryRename';
import { LocationTargets } from './locationTargets';
import { type Ask, workspacePythonOnly } from './lspTransport';
import { libraryPath, revealInEditor, WORKSPACE_PREFIX, workspacePath } from './models';
import { findWorkspaceSymbols, type WorkspaceSymbolSearch } from './workspaceSymbols';

export { openLibrary } from './locationTargets';

/** Monaco's LSP client reports diagnostics under this marker owner. */
const LSP_MARKER_OWNER = 'lsp';

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

function attachMonaco(workspace: string, socket: WebSocket): Disposable & { ask: Ask } {
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
    ask,
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
  workspaceSymbols: WorkspaceSymbolSearch;
  dispose: () => void;
} {
  let connected: Ask | undefined;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const client = new LanguageClient<WebSocket>({
    url: `${scheme}://${location.host}/api/workspace/${encodeURIComponent(options.workspace)}/lsp`,
    openSocket: (url) => new WebSocket(url),
    attach: (socket) => {
      const attached = attachMonaco(options.workspace, socket);
      connected = attached.ask;
      return {
        dispose: () => {
          connected = undefined;
          attached.dispose();
        },
      };
    },
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
    workspaceSymbols: (query) =>
      connected
        ? findWorkspaceSymbols(connected, query)
        : Promise.reject(new Error('The Python language server is not connected.')),
    dispose: () => {
      opener.dispose();
      client.dispose();
    },
  };
}
