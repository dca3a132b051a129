/**
 * Format Document (Shift+Alt+F) and Organize Imports (Shift+Alt+O) for Python files: the
 * text goes to the formatter in the workspace's cell, and what comes back is applied as
 * one edit, undone with one Ctrl+Z, the cursor kept in its place in the code.
 */
import type { FormatAction, FormatResult } from '@workcell/protocol';

import { api } from '../../api/api';
import { cursorAfterEdit, minimalEdit } from './formatEdit';
import { monaco, pathOfUri } from './monaco';
import { messageOf } from './paths';

export interface Formatting {
  format(path: string, content: string, action: FormatAction): Promise<FormatResult>;
  /** Why formatting did not happen, in words for the user (the server's message as it is). */
  onError(message: string): void;
}

/** Formats through `POST /api/workspace/{uuid}/format`. */
export const formatInCell =
  (workspace: string): Formatting['format'] =>
  (path, content, action) =>
    api.format({ uuid: workspace, body: { path, content, action } });

const actions: { action: FormatAction; id: string; label: string; key: monaco.KeyCode }[] = [
  {
    action: 'format',
    id: 'workcell.formatDocument',
    label: 'Format Document',
    key: monaco.KeyCode.KeyF,
  },
  {
    action: 'organize-imports',
    id: 'workcell.organizeImports',
    label: 'Organize Imports',
    key: monaco.KeyCode.KeyO,
  },
];

/** Adds the two actions to `editor`; dispose the result to remove them. */
export function registerFormatting(
  editor: monaco.editor.IStandaloneCodeEditor,
  formatting: Formatting,
): monaco.IDisposable {
  const added = actions.map(({ action, id, label, key }) =>
    editor.addAction({
      id,
      label,
      keybindings: [monaco.KeyMod.Shift | monaco.KeyMod.Alt | key],
      precondition: 'editorLangId == python && !editorReadonly',
      contextMenuGroupId: '1_modification',
      run: () => formatModel(editor, formatting, action),
    }),
  );
  return { dispose: () => added.forEach((disposable) => disposable.dispose()) };
}

async function formatModel(
  editor: monaco.editor.IStandaloneCodeEditor,
  formatting: Formatting,
  action: FormatAction,
): Promise<void> {
  const model = editor.getModel();
  const path = model ? pathOfUri(model.uri) : undefined;
  if (!model || path === undefined) return;
  const before = model.getValue();
  const version = model.getVersionId();
  let result: FormatResult;
  try {
    result = await formatting.format(path, before, action);
  } catch (error) {
    formatting.onError(messageOf(error));
    return;
  }
  if (model.isDisposed() || model.getVersionId() !== version) {
    formatting.onError('The file changed while it was being formatted; format it again.');
    return;
  }
  const edit = minimalEdit(before, result.content);
  if (!edit) return;
  const cursor = editor.getModel() === model ? editor.getPosition() : null;
  const cursorOffset =
    cursor && cursorAfterEdit(model.getOffsetAt(cursor), edit, before, result.content);
  const range = monaco.Range.fromPositions(
    model.getPositionAt(edit.start),
    model.getPositionAt(edit.end),
  );
  editor.pushUndoStop();
  editor.executeEdits(
    `workcell.${action}`,
    [{ range, text: edit.text, forceMoveMarkers: true }],
    cursorOffset === null
      ? undefined
      : () => {
          const position = model.getPositionAt(cursorOffset);
          return [monaco.Selection.fromPositions(position, position)];
        },
  );
  editor.pushUndoStop();
}
