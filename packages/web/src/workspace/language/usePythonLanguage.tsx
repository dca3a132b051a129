/**
 * Python IntelliSense for the workspace page: the language client (loaded and started when
 * the first Python file opens, closed when the page goes), its Problems list, library
 * files opened read-only by "go to definition", and the note shown when one cannot be
 * read. The page renders `problems` in its bottom panel and `overlay` beside the panels,
 * and passes `status` to the status bar. Monaco's LSP
 * client is in monacoLsp.ts, a chunk of its own, so a page without Python never loads it.
 */
import { type ReactNode, type RefObject, useEffect, useMemo, useRef, useState } from 'react';

import { Dialog } from '../../ui/Dialog';
import type { EditorHandle } from '../contracts';
import type { LanguageServerView } from '../status-bar/StatusBar';
import { monaco } from '../editor/monaco';
import type { LanguageClient, LanguageState } from './LanguageClient';
import { isSyncedPython } from './models';
import { countProblems } from './problems';
import { ProblemsPanel } from './ProblemsPanel';
import { useProblems } from './useProblems';

interface External {
  path: string;
  line: number;
  error: string;
}

export function usePythonLanguage(
  workspace: string,
  editor: RefObject<EditorHandle | null>,
): { status: LanguageServerView; problems: ReactNode; overlay: ReactNode } {
  const client = useRef<LanguageClient<WebSocket>>(undefined);
  const [state, setState] = useState<LanguageState>({ kind: 'idle' });
  const [external, setExternal] = useState<External>();
  const problems = useProblems();

  useEffect(() => {
    let left = false;
    let started = false;
    let stop: (() => void) | undefined;
    const start = async () => {
      const { createPythonLanguage, openLibrary } = await import('./monacoLsp');
      if (left) return;
      const language = createPythonLanguage({
        workspace,
        openFile: (path) => editor.current?.open(path),
        onLibraryLocation: (uri, line, column) => {
          openLibrary(workspace, uri, line, column).catch((error: unknown) =>
            setExternal({ path: uri.path, line, error: (error as Error).message }),
          );
        },
      });
      client.current = language.client;
      const stopState = language.client.onState(setState);
      stop = () => {
        stopState();
        language.dispose();
      };
    };
    const whenPython = (model: monaco.editor.ITextModel) => {
      if (started || !isSyncedPython(model.uri.toString(true))) return;
      started = true;
      watch.dispose();
      start().catch((error: unknown) =>
        setState({ kind: 'failed', message: `not loaded: ${(error as Error).message}` }),
      );
    };
    const watch = monaco.editor.onDidCreateModel(whenPython);
    monaco.editor.getModels().forEach(whenPython);
    return () => {
      left = true;
      watch.dispose();
      stop?.();
    };
  }, [workspace, editor]);

  const { errors, warnings } = countProblems(problems);
  const status = useMemo<LanguageServerView>(
    () => ({ state, errors, warnings, onRetry: () => client.current?.retry() }),
    [state, errors, warnings],
  );

  const problemsPanel = (
    <ProblemsPanel
      problems={problems}
      onReveal={(problem) => editor.current?.openAt(problem.path, problem.line, problem.column)}
    />
  );
  const overlay = (
    <Dialog
      title="Defined in a library"
      open={external !== undefined}
      onClose={() => setExternal(undefined)}
      actions={
        <button type="button" className="button primary" onClick={() => setExternal(undefined)}>
          Close
        </button>
      }
    >
      <p>
        This is defined in <code>{external?.path}</code>, line {external?.line}, part of Python or
        an installed library, which could not be opened: {external?.error}
      </p>
    </Dialog>
  );
  return { status, problems: problemsPanel, overlay };
}
