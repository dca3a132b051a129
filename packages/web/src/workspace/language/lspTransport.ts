/**
 * The transport between Monaco's LSP client and pyright's socket, which makes up for what
 * the client gets wrong for this workspace (see workspacePythonOnly), and carries requests
 * of our own (`Ask`).
 */
import type * as lsp from 'monaco-lsp-client';

import { monaco } from '../editor/monaco';
import { LocationTargets, openForEdit } from './locationTargets';
import {
  editUris,
  LOCATION_METHODS,
  locationUris,
  SYNC_METHODS,
  withEditRange,
} from './lspMessages';
import { isSyncedPython } from './models';

type Transport = ConstructorParameters<typeof lsp.MonacoLspClient>[0];
type Message = Parameters<Transport['send']>[0];

/** A request of our own on the client's connection (its answer never reaches the client). */
export type Ask = (method: string, params: unknown) => Promise<unknown>;
const OWN_ID_PREFIX = 'workcell-';

/**
 * Monaco's client lowercases the URIs it opens documents under and opens every model (diff
 * views, logs): the language server gets only workspace Python files, under their real
 * names, the same names the client's requests use. And it gives a completion item without
 * a text edit an empty range at the cursor, so Monaco neither filters nor ranks by the
 * word typed (`os.pa` listed `_path` first): such items get the typed word's range. The
 * files a location or a rename's edit is in get models before the client sees the answer.
 */
export function workspacePythonOnly(
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

/** Items without a text edit replace the word typed (Monaco filters and ranks by it). */
function withWordRanges(
  message: Message,
  request: { uri: string; line: number; character: number },
): Message {
  const model = monaco.editor.getModels().find((m) => m.uri.toString(true) === request.uri);
  if (!model) return message;
  const word = model.getWordUntilPosition({
    lineNumber: request.line + 1,
    column: request.character + 1,
  });
  const result = withEditRange(message.result as Parameters<typeof withEditRange>[0], {
    start: { line: request.line, character: word.startColumn - 1 },
    end: { line: request.line, character: request.character },
  });
  return { ...message, result } as unknown as Message;
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
