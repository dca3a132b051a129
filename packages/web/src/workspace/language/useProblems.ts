import { useEffect, useState } from 'react';

import { monaco } from '../editor/monaco';
import { type Problem, toProblems } from './problems';

/** Markers of open files only: Monaco keeps a closed file's markers. */
function openFileProblems(): Problem[] {
  return toProblems(
    monaco.editor
      .getModels()
      .flatMap((model) => monaco.editor.getModelMarkers({ resource: model.uri })),
  );
}

/** The Problems list of the open files, kept up to date as markers change. */
export function useProblems(): Problem[] {
  const [problems, setProblems] = useState<Problem[]>(openFileProblems);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      clearTimeout(timer);
      // Coalesces a burst (a server publishing for several files) and runs after a model
      // being disposed is gone.
      timer = setTimeout(() => setProblems(openFileProblems()), 50);
    };
    refresh();
    const markers = monaco.editor.onDidChangeMarkers(refresh);
    const disposed = monaco.editor.onWillDisposeModel(refresh);
    return () => {
      clearTimeout(timer);
      markers.dispose();
      disposed.dispose();
    };
  }, []);
  return problems;
}
