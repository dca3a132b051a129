/**
 * Python IntelliSense for the workspace page: the language client (started when the first
 * Python file opens, closed when the page goes), its Problems list and the note shown when
 * "go to definition" leads outside the workspace. The page renders `overlay` and passes
 * `status` to the status bar.
 */
import { type ReactNode, type RefObject, useEffect, useMemo, useRef, useState } from 'react';

import { Dialog } from '../../ui/Dialog';
import type { EditorHandle } from '../contracts';
import type { LanguageStatusView } from '../status-bar/StatusBar';
import type { LanguageClient, LanguageState } from './LanguageClient';
import { createPythonLanguage, revealInEditor } from './monacoLsp';
import { countProblems } from './problems';
import { ProblemsPanel } from './ProblemsPanel';
import { useProblems } from './useProblems';

interface External {
  path: string;
  line: number;
}

export function usePythonLanguage(
  workspace: string,
  editor: RefObject<EditorHandle | null>,
): { status: LanguageStatusView; overlay: ReactNode } {
  const client = useRef<LanguageClient<WebSocket>>(undefined);
  const [state, setState] = useState<LanguageState>({ kind: 'idle' });
  const [problemsOpen, setProblemsOpen] = useState(false);
  const [external, setExternal] = useState<External>();
  const problems = useProblems();

  useEffect(() => {
    const language = createPythonLanguage({
      workspace,
      openFile: (path) => editor.current?.open(path),
      onExternalLocation: (uri, line) => setExternal({ path: uri.path, line }),
    });
    client.current = language.client;
    const stop = language.client.onState(setState);
    return () => {
      stop();
      language.dispose();
    };
  }, [workspace, editor]);

  const { errors, warnings } = countProblems(problems);
  const status = useMemo<LanguageStatusView>(
    () => ({
      state,
      errors,
      warnings,
      problemsOpen,
      onRetry: () => client.current?.retry(),
      onToggleProblems: () => setProblemsOpen((open) => !open),
    }),
    [state, errors, warnings, problemsOpen],
  );

  const overlay = (
    <>
      {problemsOpen && (
        <ProblemsPanel
          problems={problems}
          onClose={() => setProblemsOpen(false)}
          onReveal={(problem) =>
            revealInEditor(
              (path) => editor.current?.open(path),
              problem.path,
              problem.line,
              problem.column,
            )
          }
        />
      )}
      <Dialog
        title="Defined outside the workspace"
        open={external !== undefined}
        onClose={() => setExternal(undefined)}
        actions={
          <button type="button" className="button primary" onClick={() => setExternal(undefined)}>
            Close
          </button>
        }
      >
        <p>
          This is defined in <code>{external?.path}</code>, line {external?.line}: part of Python or
          an installed library, not a file of this workspace, so the editor does not open it.
        </p>
      </Dialog>
    </>
  );
  return { status, overlay };
}
