import { useEffect } from 'react';

/** Sets the tab's title while the page is shown. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Workcell` : 'Workcell';
    return () => {
      document.title = 'Workcell';
    };
  }, [title]);
}
