/**
 * The workspace's left side bar, as in VS Code: an activity bar switching between the
 * Explorer (the file tree) and the Search view, which talks to the workspace's API. Both
 * stay mounted, so switching keeps the tree's expansion and the last search's results.
 */
import type { ReplaceBody, ReplaceReply } from '@workcell/protocol';
import { type ReactNode, useEffect, useRef } from 'react';

import { api } from '../../api/api';
import { searchParams, type SearchRequest } from './query';
import { SearchView } from './SearchView';
import './Sidebar.css';

export type SidebarView = 'files' | 'search';

export interface SidebarProps {
  workspace: string;
  view: SidebarView;
  onView: (view: SidebarView) => void;
  /** Changes each time the Search view is asked for: its input takes focus, selected. */
  searchFocusRequest: number;
  fileTree: ReactNode;
  onOpenMatch: (path: string, line: number, column: number) => void;
}

const VIEWS: { view: SidebarView; label: string; glyph: ReactNode }[] = [
  { view: 'files', label: 'Explorer', glyph: <path d="M4 2.5h6l3 3v8H4zM10 2.5v3h3" /> },
  {
    view: 'search',
    label: 'Search',
    glyph: <path d="M7 2.5a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9zM10.3 10.3l3.5 3.5" />,
  },
];

export function Sidebar({
  workspace,
  view,
  onView,
  searchFocusRequest,
  fileTree,
  onOpenMatch,
}: SidebarProps) {
  const searchHost = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (searchFocusRequest === 0) return;
    const input = searchHost.current?.querySelector<HTMLInputElement>('input');
    input?.focus();
    input?.select();
  }, [searchFocusRequest]);

  // Plain functions: the view keeps the latest search without searching again.
  const search = (request: SearchRequest, signal: AbortSignal) =>
    api.search(
      {
        uuid: workspace,
        query: { ...Object.fromEntries(searchParams(request)), text: request.text },
      },
      { signal },
    );
  const replace = (body: ReplaceBody) => api.replace({ uuid: workspace, body });
  const undo = async (reply: ReplaceReply) => {
    await Promise.all(
      reply.files.flatMap(({ path, revision }) =>
        revision === null ? [] : [api.restore({ uuid: workspace, path, body: { revision } })],
      ),
    );
    // Without file history on the server there is no earlier content to go back to.
    const kept = reply.files.filter((file) => file.revision === null).map((file) => file.path);
    if (kept.length > 0) throw new Error(`Not undone (no file history): ${kept.join(', ')}`);
  };

  return (
    <div className="sidebar">
      <div
        className="activity-bar"
        role="toolbar"
        aria-label="Side bar"
        aria-orientation="vertical"
      >
        {VIEWS.map(({ view: each, label, glyph }) => (
          <button
            key={each}
            type="button"
            className="activity-button"
            aria-pressed={view === each}
            aria-label={label}
            title={label}
            onClick={() => onView(each)}
          >
            <svg
              viewBox="0 0 16 16"
              width="20"
              height="20"
              aria-hidden="true"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.2"
            >
              {glyph}
            </svg>
          </button>
        ))}
      </div>
      <section aria-label="Files" className="panel sidebar-view" hidden={view !== 'files'}>
        {fileTree}
      </section>
      <div ref={searchHost} className="panel sidebar-view" hidden={view !== 'search'}>
        <SearchView search={search} replace={replace} undo={undo} onOpenMatch={onOpenMatch} />
      </div>
    </div>
  );
}
