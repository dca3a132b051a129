/**
 * The tree's messages: failures to read, and after a delete, an Undo offer that goes away
 * by itself after UNDO_MS (the files stay restorable from their history after that).
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export const UNDO_MS = 10_000;

export interface Notice {
  id: number;
  message: string;
  /** A button beside the message; the notice closes when it is pressed. */
  action?: { label: string; run: () => void };
}

export function useNotices() {
  const [notices, setNotices] = useState<Notice[]>([]);
  const nextId = useRef(0);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());

  const dismiss = useCallback(
    (id: number) => setNotices((current) => current.filter((notice) => notice.id !== id)),
    [],
  );

  const notify = useCallback(
    (message: string, action?: Notice['action']) => {
      const id = nextId.current++;
      setNotices((current) => [...current.slice(-4), { id, message, action }]);
      if (action) {
        const timer = setTimeout(() => {
          timers.current.delete(timer);
          dismiss(id);
        }, UNDO_MS);
        timers.current.add(timer);
      }
    },
    [dismiss],
  );

  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach(clearTimeout);
  }, []);

  return { notices, notify, dismiss };
}

export function Notices({
  notices,
  onDismiss,
}: {
  notices: readonly Notice[];
  onDismiss: (id: number) => void;
}) {
  if (notices.length === 0) return null;
  return (
    <ul className="file-tree-notices" role="alert">
      {notices.map((notice) => (
        <li key={notice.id}>
          <span>{notice.message}</span>
          {notice.action && (
            <button
              type="button"
              className="button"
              onClick={() => {
                onDismiss(notice.id);
                notice.action!.run();
              }}
            >
              {notice.action.label}
            </button>
          )}
          <button
            type="button"
            className="tree-tool"
            aria-label="Dismiss"
            title="Dismiss"
            onClick={() => onDismiss(notice.id)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
