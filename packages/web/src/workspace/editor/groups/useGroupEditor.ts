/**
 * One editor group's Monaco editor: created when its host mounts, showing the model it is
 * given (the document's own, so two groups showing a file edit one text), keeping each
 * file's cursor and scroll, and the editor's keys for the area's actions.
 */
import { initVimMode } from 'monaco-vim';
import { useCallback, useEffect, useRef, useState } from 'react';

import { useSettings } from '../../../settings/settings';
import type { EditorTabsMemory } from '../../state/editorTabs';
import type { OpenDocs } from '../docs';
import { registerFormatting, type Formatting } from '../formatting';
import { monaco } from '../monaco';
import { monacoTheme } from '../themes';

export interface GroupEditorActions {
  save: () => void;
  history: () => void;
  close: () => void;
  split: () => void;
  move: (direction: 'left' | 'right') => void;
}

export interface GroupEditorOptions {
  docs: OpenDocs;
  /** The group's index: each group remembers its own tabs' positions. */
  group: number;
  /** The tab shown and its model; undefined when the tab shows no text. */
  shown: { key: string; model: monaco.editor.ITextModel; readOnly: boolean } | undefined;
  reveal: { lineNumber: number; column: number } | undefined;
  onRevealed: () => void;
  actions: GroupEditorActions;
  vimStatus: React.RefObject<HTMLDivElement | null>;
  /** Each file's cursor and scroll, remembered for the next visit. */
  tabsMemory: EditorTabsMemory;
  /** Format Document and Organize Imports, run in the cell. */
  formatting: Formatting;
}

export function useGroupEditor({
  docs,
  group,
  shown,
  reveal,
  onRevealed,
  actions,
  vimStatus,
  tabsMemory,
  formatting,
}: GroupEditorOptions) {
  const { settings } = useSettings();
  const settingsRef = useRef(settings);
  const actionsRef = useRef(actions);
  const formattingRef = useRef(formatting);
  useEffect(() => {
    settingsRef.current = settings;
    actionsRef.current = actions;
    formattingRef.current = formatting;
  });
  const [editor, setEditor] = useState<monaco.editor.IStandaloneCodeEditor>();
  const [cursor, setCursor] = useState<{ line: number; column: number }>();
  /** The workspace file the editor shows (not a library file), its position remembered. */
  const shownKey = useRef<string>(undefined);
  const rememberedKey = useRef<string>(undefined);

  /** Creates the editor when its host mounts and disposes it when the host goes. */
  const attach = useCallback(
    (node: HTMLDivElement | null) => {
      if (!node) return;
      const current = settingsRef.current;
      const created = monaco.editor.create(node, {
        model: null,
        automaticLayout: true,
        theme: monacoTheme(current.theme),
        fontSize: current.fontSize,
        minimap: { enabled: true },
        folding: true,
        matchBrackets: 'always',
        wordBasedSuggestions: 'currentDocument',
        scrollBeyondLastLine: false,
        // The dimmed number of the line after a final newline fails WCAG contrast.
        renderFinalNewline: 'on',
        fixedOverflowWidgets: true,
        ariaLabel: 'Code editor',
      });
      setEditor(created);
      const showCursor = () => {
        const position = created.getPosition();
        setCursor(
          created.getModel() && position
            ? { line: position.lineNumber, column: position.column }
            : undefined,
        );
      };
      const rememberPosition = () => {
        const path = rememberedKey.current;
        const position = created.getPosition();
        if (path === undefined || !position) return;
        tabsMemory.savePosition(group, path, {
          cursor: { line: position.lineNumber, column: position.column },
          scroll: { top: created.getScrollTop(), left: created.getScrollLeft() },
        });
      };
      const run = (action: (actions: GroupEditorActions) => void) => () =>
        action(actionsRef.current);
      const { KeyMod, KeyCode } = monaco;
      const disposables = [
        // On a phone the minimap would take a fifth of the width.
        created.onDidLayoutChange((layout) =>
          created.updateOptions({ minimap: { enabled: layout.width > 600 } }),
        ),
        created.onDidChangeCursorPosition(showCursor),
        created.onDidChangeModel(showCursor),
        created.onDidChangeCursorPosition(rememberPosition),
        created.onDidScrollChange(rememberPosition),
        registerFormatting(created, {
          format: (...request) => formattingRef.current.format(...request),
          onError: (message) => formattingRef.current.onError(message),
        }),
        // The page's commands run these by id; the keys are for where those commands are
        // off (a library tab), which Monaco would otherwise pass on to the browser.
        created.addAction({
          id: 'workcell.save',
          label: 'Save',
          keybindings: [KeyMod.CtrlCmd | KeyCode.KeyS],
          run: run((all) => all.save()),
        }),
        created.addAction({
          id: 'workcell.history',
          label: 'Show File History',
          run: run((all) => all.history()),
        }),
        created.addAction({
          id: 'workcell.closeTab',
          label: 'Close Tab',
          // Monaco keeps the keys it sees; Ctrl+W is the browser's own in most of them.
          keybindings: [KeyMod.Alt | KeyCode.KeyW],
          run: run((all) => all.close()),
        }),
      ];
      return () => {
        for (const disposable of disposables) disposable.dispose();
        created.dispose();
        setEditor(undefined);
      };
    },
    [tabsMemory, group],
  );

  // Keep the editor showing the shown tab's model, each file with its cursor and scroll.
  useEffect(() => {
    if (!editor) return;
    // A model disposed since this render (a renamed file's, replaced under its new URI
    // between the render and this effect) is not shown; the render that follows shows its
    // successor.
    const tab = shown && !shown.model.isDisposed() ? shown : undefined;
    // A library file: typing says so instead of changing it.
    editor.updateOptions({ readOnly: tab?.readOnly ?? false });
    if (editor.getModel() === (tab?.model ?? null)) return;
    if (shownKey.current !== undefined && editor.getModel())
      docs.setViewState(shownKey.current, editor.saveViewState());
    // Switching fires cursor and scroll events that are no user's: they are not remembered.
    rememberedKey.current = undefined;
    editor.setModel(tab?.model ?? null);
    shownKey.current = tab?.key;
    const state = tab && docs.viewState(tab.key);
    const stored = tab && tabsMemory.position(group, tab.key);
    if (state) editor.restoreViewState(state);
    else if (stored) {
      editor.setPosition({ lineNumber: stored.cursor.line, column: stored.cursor.column });
      editor.setScrollPosition({ scrollTop: stored.scroll.top, scrollLeft: stored.scroll.left });
    }
    rememberedKey.current = tab && !tab.readOnly ? tab.key : undefined;
  });

  // Every render, after the one above: the file may be shown a few renders after openAt.
  useEffect(() => {
    if (!editor || !reveal || !shown || editor.getModel() !== shown.model) return;
    editor.setPosition(reveal);
    editor.revealPositionInCenter(reveal);
    editor.focus();
    onRevealed();
  });

  useEffect(
    () => editor?.updateOptions({ fontSize: settings.fontSize }),
    [editor, settings.fontSize],
  );
  useEffect(() => {
    if (!editor || !settings.vimMode || !vimStatus.current) return;
    const vim = initVimMode(editor, vimStatus.current);
    return () => vim.dispose();
  }, [editor, settings.vimMode, vimStatus]);

  return { attach, editor, cursor };
}
