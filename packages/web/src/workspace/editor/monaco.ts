/**
 * The slim, offline Monaco: the core API, the editing features this IDE uses and those
 * Monaco's LSP client needs (every other editor contribution), Python, and one editor
 * worker bundled by Vite.
 */
import * as monaco from 'monaco-editor/editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/diffEditor/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/gotoLine/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/quickCommand/register';
import 'monaco-editor/features/quickOutline/register';
import 'monaco-editor/features/smartSelect/register';
import 'monaco-editor/features/snippet/register';
import 'monaco-editor/features/suggest/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/languages/definitions/python/register';
// Python IntelliSense (workspace/language/) loads Monaco's LSP client when a Python file
// opens, but the editor contributions it brings (rename, references, parameter hints, …)
// must be here: their services must be registered before defineThemes below starts
// Monaco's services, or creating an editor fails with "depends on UNKNOWN service", and an
// editor created before them would lack them. These are the client's imports.
import 'monaco-editor/features/register.all';
import 'monaco-editor/editor/browser/coreCommands';
import 'monaco-editor/editor/contrib/caretOperations/browser/caretOperations';
import 'monaco-editor/editor/contrib/dropOrPasteInto/browser/copyPasteContribution';
import 'monaco-editor/editor/contrib/gotoError/browser/markerSelectionStatus';
import 'monaco-editor/editor/contrib/gotoSymbol/browser/goToCommands';
import 'monaco-editor/editor/contrib/semanticTokens/browser/documentSemanticTokens';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/editor/common/standaloneStrings';

import { defineThemes } from './themes';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker: (workerId: string, label: string) => Worker };
  }
}

window.MonacoEnvironment = { getWorker: () => new EditorWorker() };
defineThemes(monaco);

export { monaco };

/** The model URI of a workspace file; the language server bridge maps these to pyright's root. */
export function fileUri(path: string): monaco.Uri {
  return monaco.Uri.from({ scheme: 'file', path: `${WORKSPACE_ROOT}${path}` });
}

/** The workspace path of a model made by fileUri; undefined for any other model. */
export function pathOfUri(uri: monaco.Uri): string | undefined {
  if (uri.scheme !== 'file' || !uri.path.startsWith(WORKSPACE_ROOT)) return undefined;
  return uri.path.slice(WORKSPACE_ROOT.length);
}

const WORKSPACE_ROOT = '/workspace/';
