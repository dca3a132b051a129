/**
 * The workspace page's editor in a chunk of its own: Monaco (most of the page's
 * JavaScript), the editor area and Python IntelliSense. The page lays out the file tree
 * and the terminal without waiting for it, and shows this once it has loaded.
 */
import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';

import type { EditorHandle, EditorStatus } from '../workspace/contracts';
import { EditorArea } from '../workspace/editor/EditorArea';
import { usePythonLanguage } from '../workspace/language/usePythonLanguage';
import type { EditorTabsMemory } from '../workspace/state/editorTabs';
import type { LanguageServerView } from '../workspace/status-bar/StatusBar';
import type { DeferredEditor } from './DeferredEditor';

export interface WorkspaceEditorProps {
  workspace: string;
  editor: DeferredEditor;
  onStatus: (status: EditorStatus) => void;
  onLanguage: (status: LanguageServerView) => void;
  /** Where the Problems list goes: the Problems tab of the page's bottom panel. */
  problemsHost: HTMLElement | null;
  /** Where the language dialogs go: beside the page's panels. */
  overlayHost: HTMLElement | null;
  /** Where the open tabs and their positions are remembered. */
  tabsMemory: EditorTabsMemory;
}

export default function WorkspaceEditor(props: WorkspaceEditorProps) {
  const { editor, workspace, onStatus, onLanguage, problemsHost, overlayHost, tabsMemory } = props;
  const area = useRef<EditorHandle>(null);
  // Here, not as the area's ref: a child's effects run first, so its documents are open
  // for the files asked for while this chunk loaded.
  useEffect(() => {
    editor.attach(area.current);
    return () => editor.attach(null);
  }, [editor]);
  const [editorRef] = useState(() => ({ current: editor }));
  // Connects only once a Python file is open in the editor.
  const language = usePythonLanguage(workspace, editorRef);
  useEffect(() => onLanguage(language.status), [onLanguage, language.status]);
  return (
    <>
      <EditorArea ref={area} workspace={workspace} onStatus={onStatus} tabsMemory={tabsMemory} />
      {problemsHost && createPortal(language.problems, problemsHost)}
      {overlayHost && createPortal(language.overlay, overlayHost)}
    </>
  );
}
