/**
 * The Search view: text or regular expression across the workspace's files, with case,
 * whole-word and glob filters, results grouped by file, and replace (one match, or all,
 * undoable). It only draws and calls its props: the workspace page gives it the API.
 */
import type { ReplaceBody, ReplaceReply, SearchMatch, SearchReply } from '@workcell/protocol';
import { useState } from 'react';

import { replaceBody, type SearchRequest } from './query';
import { SearchResults } from './SearchResults';
import { useSearch, type SearchFunction } from './useSearch';
import './SearchView.css';

export interface SearchViewProps {
  search: SearchFunction;
  replace: (body: ReplaceBody) => Promise<ReplaceReply>;
  /** Puts back what a replace changed (restoring each file's previous revision). */
  undo: (reply: ReplaceReply) => Promise<void>;
  onOpenMatch: (path: string, line: number, column: number) => void;
}

type Flag = 'caseSensitive' | 'wholeWord' | 'regex';
const FLAGS: { flag: Flag; title: string; key: string; label: string }[] = [
  { flag: 'caseSensitive', title: 'Match case', key: 'c', label: 'Aa' },
  { flag: 'wholeWord', title: 'Match whole word', key: 'w', label: 'ab' },
  { flag: 'regex', title: 'Use regular expression', key: 'r', label: '.*' },
];

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

function summary(reply: SearchReply): string {
  const matches = reply.files.reduce((sum, file) => sum + file.matches.length, 0);
  const parts = [
    matches === 0
      ? 'No results'
      : `${plural(matches, 'result')} in ${plural(reply.files.length, 'file')}`,
  ];
  if (reply.truncated) parts.push('more not shown: narrow the search');
  const { binary, tooLarge } = reply.filesSkipped;
  if (binary + tooLarge > 0)
    parts.push(`${plural(binary + tooLarge, 'file')} skipped (binary or too large)`);
  return parts.join('; ');
}

export function SearchView({ search, replace, undo, onOpenMatch }: SearchViewProps) {
  const [request, setRequest] = useState<SearchRequest>({
    text: '',
    regex: false,
    caseSensitive: false,
    wholeWord: false,
    include: '',
    exclude: '',
  });
  const [replacement, setReplacement] = useState('');
  const [lastReplace, setLastReplace] = useState<ReplaceReply>();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const { state, again } = useSearch(search, request);
  const reply = state.status === 'done' || state.status === 'searching' ? state.reply : undefined;

  const set = (change: Partial<SearchRequest>) =>
    setRequest((before) => ({ ...before, ...change }));
  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await work();
    } catch (error) {
      setActionError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
      again();
    }
  };
  const replaceWith = (only?: { path: string; line: number; column: number }) =>
    act(async () => {
      if (!reply) return;
      setLastReplace(await replace(replaceBody(request, replacement, reply, only)));
    });
  const undoLast = () =>
    act(async () => {
      if (!lastReplace) return;
      await undo(lastReplace);
      setLastReplace(undefined);
    });

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const toggle = FLAGS.find(({ key }) => key === event.key.toLowerCase());
    if (!toggle) return;
    event.preventDefault();
    set({ [toggle.flag]: !request[toggle.flag] });
  };
  const canReplace = reply !== undefined && reply.files.length > 0 && !busy;

  return (
    <section aria-label="Search" className="search-view" onKeyDown={onKeyDown}>
      <div className="search-row">
        <input
          className="search-input"
          aria-label="Search"
          placeholder="Search"
          value={request.text}
          spellCheck={false}
          onChange={(event) => set({ text: event.target.value })}
        />
        {FLAGS.map(({ flag, title, key, label }) => (
          <button
            key={flag}
            type="button"
            className="search-tool"
            title={`${title} (Alt+${key.toUpperCase()})`}
            aria-pressed={request[flag]}
            onClick={() => set({ [flag]: !request[flag] })}
          >
            {/* Named by the hidden words, not aria-label: a name must contain what is seen. */}
            <span aria-hidden="true">{label}</span>
            <span className="visually-hidden">{title}</span>
          </button>
        ))}
      </div>
      <div className="search-row">
        <input
          className="search-input"
          aria-label="Replace"
          placeholder="Replace"
          value={replacement}
          spellCheck={false}
          onChange={(event) => setReplacement(event.target.value)}
        />
        <button
          type="button"
          className="search-tool search-replace-all"
          disabled={!canReplace}
          onClick={() => void replaceWith()}
        >
          Replace all
        </button>
      </div>
      <input
        className="search-input"
        aria-label="Files to include"
        placeholder="Files to include (e.g. src/**, *.py)"
        value={request.include}
        onChange={(event) => set({ include: event.target.value })}
      />
      <input
        className="search-input"
        aria-label="Files to exclude"
        placeholder="Files to exclude"
        value={request.exclude}
        onChange={(event) => set({ exclude: event.target.value })}
      />
      {lastReplace && (
        <div className="search-row search-replaced" role="status">
          <span>
            Replaced{' '}
            {plural(
              lastReplace.files.reduce((n, file) => n + file.replacements, 0),
              'match',
              'matches',
            )}{' '}
            in {plural(lastReplace.files.length, 'file')}.
          </span>
          <button
            type="button"
            className="search-tool"
            disabled={busy}
            onClick={() => void undoLast()}
          >
            Undo
          </button>
        </div>
      )}
      {actionError && (
        <p className="search-error" role="alert">
          {actionError}
        </p>
      )}
      {state.status === 'failed' ? (
        <p className="search-error" role="alert">
          {state.message}
        </p>
      ) : (
        <p className="search-summary" role="status" aria-busy={state.status === 'searching'}>
          {state.status === 'searching' && !reply ? 'Searching…' : reply ? summary(reply) : ''}
        </p>
      )}
      {reply && (
        <SearchResults
          files={reply.files}
          onOpenMatch={onOpenMatch}
          onReplaceMatch={
            canReplace
              ? (path: string, match: SearchMatch) =>
                  void replaceWith({ path, line: match.line, column: match.column })
              : undefined
          }
        />
      )}
    </section>
  );
}
