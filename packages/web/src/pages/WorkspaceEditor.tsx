/**
 * The workspace page's editor in a chunk of its own: Monaco (most of the page's
 * JavaScript), the editor area and Python IntelliSense. The page lays out the file tree
 * and the terminal without waiting for it, and shows this once it has loaded.
 */
import { type RefObject, useEffect, useState } from 'react';
import { createPortal } from 'react-dom';

import type { EditorStatus } from '../workspace/contracts';
import { OpenDocs } from '../workspace/editor/docs';
import { EditorArea } from '../workspace/editor/EditorArea';
import { usePythonLanguage } from '../workspace/language/usePythonLanguage';
import type { WorkspaceSymbolSearch } from '../workspace/language/workspaceSymbols';
import { useSession } from '../workspace/session/context';
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
  /** Given pyright's workspace symbol search once the language chunk has it. */
  workspaceSymbolsRef: RefObject<WorkspaceSymbolSearch | null>;
}

export default function WorkspaceEditor(props: WorkspaceEditorProps) {
  const {
    editor,
    workspace,
    onStatus,
    onLanguage,
    problemsHost,
    overlayHost,
    tabsMemory,
    workspaceSymbolsRef,
  } = props;
  const { attach } = editor;
  const session = useSession();
  // The session opens the documents once and owns them; this chunk brings their class,
  // which needs Monaco.
  session.openDocuments(OpenDocs);
  const [editorRef] = useState(() => ({ current: editor }));
  // Connects only once a Python file is open in the editor.
  const language = usePythonLanguage(workspace, editorRef);
  useEffect(() => onLanguage(language.status), [onLanguage, language.status]);
  useEffect(() => {
    workspaceSymbolsRef.current = language.workspaceSymbols;
    return () => {
      workspaceSymbolsRef.current = null;
    };
  }, [workspaceSymbolsRef, language.workspaceSymbols]);
  return (
    <>
      <EditorArea ref={attach} workspace={workspace} onStatus={onStatus} tabsMemory={tabsMemory} />
      {problemsHost && createPortal(language.problems, problemsHost)}
      {overlayHost && createPortal(language.overlay, overlayHost)}
    </>
  );
}
