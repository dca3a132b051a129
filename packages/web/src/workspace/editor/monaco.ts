/**
 * The slim, offline Monaco: the core API, the editing features this IDE uses, Python, and
 * one editor worker bundled by Vite, and Monaco's LSP client (which pulls in every other
 * editor contribution).
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
import 'monaco-editor/features/smartSelect/register';
import 'monaco-editor/features/snippet/register';
import 'monaco-editor/features/suggest/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/languages/definitions/python/register';
// Python IntelliSense (workspace/language/): the LSP client brings every other editor
// contribution, and their services must be registered before defineThemes below starts
// Monaco's services, or creating an editor fails with "depends on UNKNOWN service".
import 'monaco-lsp-client';

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
  return monaco.Uri.from({ scheme: 'file', path: `/workspace/${path}` });
}
