/**
 * Searches as the user types: after a pause of SEARCH_DELAY_MS, aborting the request
 * before whenever the query changes, so only the latest answer is ever shown.
 */
import type { SearchReply } from '@workcell/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';

import type { SearchRequest } from './query';

export const SEARCH_DELAY_MS = 250;

export type SearchFunction = (request: SearchRequest, signal: AbortSignal) => Promise<SearchReply>;

export type SearchState =
  | { status: 'idle' }
  | { status: 'searching'; reply: SearchReply | undefined }
  | { status: 'done'; reply: SearchReply }
  | { status: 'failed'; message: string };

export function useSearch(search: SearchFunction, request: SearchRequest) {
  const [state, setState] = useState<SearchState>({ status: 'idle' });
  // Bumped to search again for the same query (after a replace).
  const [round, setRound] = useState(0);
  const { text, regex, caseSensitive, wholeWord, include, exclude } = request;
  // The latest function, without searching again when only its identity changes.
  const searchRef = useRef(search);
  useEffect(() => {
    searchRef.current = search;
  });

  useEffect(() => {
    if (text === '') return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setState((before) => ({
        status: 'searching',
        reply: before.status === 'done' || before.status === 'searching' ? before.reply : undefined,
      }));
      searchRef
        .current({ text, regex, caseSensitive, wholeWord, include, exclude }, controller.signal)
        .then(
          (reply) => {
            if (!controller.signal.aborted) setState({ status: 'done', reply });
          },
          (error: unknown) => {
            if (controller.signal.aborted) return;
            setState({
              status: 'failed',
              message: error instanceof Error ? error.message : String(error),
            });
          },
        );
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, regex, caseSensitive, wholeWord, include, exclude, round]);

  const again = useCallback(() => setRound((n) => n + 1), []);
  // Nothing to search for: nothing to show, whatever an earlier search answered.
  return { state: text === '' ? ({ status: 'idle' } as const) : state, again };
}
