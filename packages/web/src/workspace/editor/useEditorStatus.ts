/**
 * What the editor area tells beyond itself: the status bar's line (the focused group's
 * file, its save state, the cursor), and a refused save, which asks at once (changes on
 * disk and drafts wait in the bar above the text).
 */
import { useEffect, useRef } from 'react';

import type { EditorStatus } from '../contracts';
import type { DocView } from './docs';
import type { DialogState } from './EditorDialogs';

export function useEditorStatus(options: {
  onStatus: (status: EditorStatus) => void;
  active: string | undefined;
  /** The active tab's document; undefined for a library file or a comparison. */
  view: DocView | undefined;
  cursor: { line: number; column: number } | undefined;
  showDialog: (dialog: DialogState) => void;
}) {
  const { onStatus, active, view, cursor, showDialog } = options;
  const onStatusRef = useRef(onStatus);
  useEffect(() => {
    onStatusRef.current = onStatus;
  });

  const statusKey = JSON.stringify([active, view?.save, view?.saveError, cursor]);
  useEffect(() => {
    const status: EditorStatus = {
      // A library file or a comparison is not one of the workspace's files.
      activePath: view ? active : undefined,
      save: view?.save ?? 'saved',
      ...(view?.saveError !== undefined && { saveError: view.saveError }),
      ...(cursor && { cursor }),
    };
    onStatusRef.current(status);
    // statusKey names everything the status is made of.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [statusKey]);

  const askedFor = useRef<unknown>(undefined);
  const pending = view?.pending;
  useEffect(() => {
    if (pending?.kind === 'conflict' && askedFor.current !== pending && active !== undefined) {
      askedFor.current = pending;
      showDialog({ kind: 'pending', path: active, compare: false });
    }
  }, [pending, active, showDialog]);
}
