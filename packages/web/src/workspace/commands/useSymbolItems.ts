/**
 * The quick pick's symbol mode (`#`): the workspace's functions, classes and variables
 * pyright finds for what is typed, asked for once typing pauses.
 */
import { useEffect, useState } from 'react';

import type { WorkspaceSymbol, WorkspaceSymbolSearch } from '../language/workspaceSymbols';
import type { QuickPickItem } from './useQuickPickItems';

/** Typing pauses this long before the server is asked. */
const ASK_DELAY_MS = 150;

/** The answer for `query`: what was asked last, or an earlier question still on screen. */
type Found = { query: string } & ({ symbols: WorkspaceSymbol[] } | { error: string });

export interface SymbolItems {
  /** The symbols found for the query, once the server has answered it. */
  items: QuickPickItem[];
  /** Whether the server has answered the query typed (an empty one is not asked). */
  answered: boolean;
  /** Why the server could not be asked. */
  error?: string;
}

/** An empty query (the quick pick in another mode) asks nothing. */
export function useSymbolItems(query: string, search: WorkspaceSymbolSearch): SymbolItems {
  const asked = query.trim();
  const [found, setFound] = useState<Found>({ query: '', symbols: [] });

  useEffect(() => {
    if (asked === '') return;
    let live = true;
    const timer = setTimeout(() => {
      search(asked).then(
        (symbols) => live && setFound({ query: asked, symbols }),
        (error: unknown) =>
          live &&
          setFound({ query: asked, error: error instanceof Error ? error.message : String(error) }),
      );
    }, ASK_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [asked, search]);

  const answered = asked !== '' && found.query === asked;
  if (!answered) return { items: [], answered };
  if ('error' in found) return { items: [], answered, error: found.error };
  return { items: found.symbols.map(symbolItem), answered };
}

function symbolItem(symbol: WorkspaceSymbol): QuickPickItem {
  const { name, kind, container, path, line, column } = symbol;
  return {
    key: `${path}:${line}:${column}:${name}`,
    label: name,
    labelMatches: [],
    kind,
    detail: `${container ? `${container} · ` : ''}${path}:${line}`,
    location: { path, line, column },
  };
}
