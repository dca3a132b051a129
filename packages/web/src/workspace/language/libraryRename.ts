/**
 * Renaming a name a library defines: pyright renames only what the workspace defines, and
 * Monaco's own message for its refusal ("No result.") does not say why.
 */
import { monaco } from '../editor/monaco';
import type { Ask } from './lspTransport';
import { locationUris } from './lspMessages';
import { isSyncedPython, libraryPath } from './models';

/**
 * pyright renames only what the workspace defines (prepareRename answers null otherwise),
 * and Monaco would then offer to rename the word anyway and fail with "No result.". Asked
 * after the language server's provider (registered before it), this one says why when the
 * name is defined in a library.
 */
export function libraryRenameRefusal(ask: Ask): monaco.IDisposable {
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
