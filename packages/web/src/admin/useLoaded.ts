/**
 * Loads what `load` answers, again whenever `load` (give a memoised one) or `revision`
 * changes or `reload` is called; an answer to an earlier load that arrives late is dropped.
 */
import { useCallback, useEffect, useState } from 'react';

import { failureMessage } from '../ui/useSubmission';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

export function useLoaded<T>(load: () => Promise<T>, revision = 0): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ data }),
      (error: unknown) => live && setState((old) => ({ ...old, error: failureMessage(error) })),
    );
    return () => {
      live = false;
    };
  }, [load, generation, revision]);
  const reload = useCallback(() => setGeneration((count) => count + 1), []);
  return { data: state.data, error: state.error, reload };
}
