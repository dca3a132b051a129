/** The user's editor settings, applied live to the open documents and Monaco. */
import { VimMode } from 'monaco-vim';
import { useEffect } from 'react';

import { useSettings } from '../../settings/settings';
import type { OpenDocs } from './docs';
import { monaco } from './monaco';
import { monacoTheme } from './themes';

/** `focused`: the focused group's editor, which keeps its cursor when its text is replaced. */
export function useEditorSettings(
  docs: OpenDocs,
  focused: monaco.editor.ICodeEditor | undefined,
  save: () => void,
) {
  const { settings } = useSettings();
  useEffect(() => monaco.editor.setTheme(monacoTheme(settings.theme)), [settings.theme]);
  useEffect(
    () => docs.configure({ autosave: settings.autosave, tabSize: settings.tabSize }),
    [docs, settings.autosave, settings.tabSize],
  );
  useEffect(() => docs.setEditor(focused), [docs, focused]);
  useEffect(() => {
    // `:w` in vim mode, defined for every editor at once.
    (VimMode as unknown as VimApi).Vim.defineEx('write', 'w', () => save());
  }, [save]);
}

/** The part of monaco-vim's (untyped) CodeMirror Vim API used here. */
interface VimApi {
  Vim: { defineEx: (name: string, prefix: string, run: () => void) => void };
}
