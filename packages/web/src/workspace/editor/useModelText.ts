/**
 * A model's text for a component that shows it otherwise (the CSV table, the Markdown
 * preview, a comparison): read once per edit, not on every render, which on a large file
 * would copy megabytes each time the area re-renders.
 */
import { useCallback, useMemo, useSyncExternalStore } from 'react';

import type { monaco } from './monaco';

/** '' without a model. */
export function useModelText(model: monaco.editor.ITextModel | undefined): string {
  const subscribe = useCallback(
    (listener: () => void) => {
      const subscription = model?.onDidChangeContent(listener);
      return () => subscription?.dispose();
    },
    [model],
  );
  // The version id changes with every edit and costs nothing to read.
  const version = useSyncExternalStore(subscribe, () =>
    model && !model.isDisposed() ? model.getVersionId() : 0,
  );
  return useMemo(
    () => (model && !model.isDisposed() ? model.getValue() : ''),
    // The text is read again when the version says it changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [model, version],
  );
}
