/**
 * What the quick pick lists for what was typed: commands after ">", otherwise files (the
 * symbols after "#" are useSymbolItems').
 */
import { useMemo, useSyncExternalStore } from 'react';

import type { Command, CommandRegistry } from './CommandRegistry';
import { indexByLabel, indexPaths } from './fuzzy';
import { keybindingLabel, type Platform } from './keybinding';

/** Rendering more rows than fit on a screen only slows typing; the query narrows the rest. */
export const MAX_ITEMS = 100;

export const COMMAND_PREFIX = '>';
export const SYMBOL_PREFIX = '#';

export interface QuickPickItem {
  key: string;
  /** The command's title, the file's or the symbol's name. */
  label: string;
  labelMatches: readonly number[];
  /** A symbol's kind: `function`, `class`… */
  kind?: string;
  /** The file's directory, or where the symbol is, shown dimmed. */
  detail?: string;
  detailMatches?: readonly number[];
  shortcut?: string;
  /** Where a symbol is defined. */
  location?: { path: string; line: number; column: number };
}

export type QuickPickMode = 'commands' | 'files' | 'symbols';

export const PREFIXES: Record<QuickPickMode, string> = {
  commands: COMMAND_PREFIX,
  files: '',
  symbols: SYMBOL_PREFIX,
};

export function modeOf(value: string): QuickPickMode {
  if (value.startsWith(COMMAND_PREFIX)) return 'commands';
  return value.startsWith(SYMBOL_PREFIX) ? 'symbols' : 'files';
}

const commandLabel = (command: Command) => `${command.category}: ${command.title}`;

export function useQuickPickItems(
  value: string,
  registry: CommandRegistry,
  paths: readonly string[],
  platform: Platform,
): QuickPickItem[] {
  const { commands: registered, recentlyUsed: recent } = useSyncExternalStore(
    registry.subscribe,
    registry.snapshot,
  );
  const commands = useMemo(() => {
    // Whether a command is enabled is asked as the palette opens: it is open only briefly.
    const enabled = registered.filter((command) => registry.isEnabled(command));
    const rank = (command: Command) => {
      const at = recent.indexOf(command.id);
      return at === -1 ? recent.length : at;
    };
    // Stable sort: recently used first, the rest in registration order.
    return indexByLabel(
      enabled.toSorted((a, b) => rank(a) - rank(b)),
      commandLabel,
    );
  }, [registry, registered, recent]);
  const files = useMemo(() => indexPaths(paths), [paths]);

  return useMemo(() => {
    const mode = modeOf(value);
    if (mode === 'symbols') return [];
    if (mode === 'commands') {
      const query = value.slice(COMMAND_PREFIX.length).trim();
      const found = query
        ? commands.search(query, MAX_ITEMS)
        : commands.items.map((item) => ({ item, indexes: [] }));
      return found.map(({ item, indexes }) => ({
        key: item.id,
        label: commandLabel(item),
        labelMatches: indexes,
        shortcut: item.keybindings?.[0] && keybindingLabel(item.keybindings[0], platform),
      }));
    }
    const query = value.trim();
    const found = query
      ? files.search(query, MAX_ITEMS)
      : files.items.slice(0, MAX_ITEMS).map((item) => ({ item, indexes: [] }));
    return found.map(({ item, indexes }) => {
      const nameStart = item.lastIndexOf('/') + 1;
      return {
        key: item,
        label: item.slice(nameStart),
        labelMatches: indexes.filter((i) => i >= nameStart).map((i) => i - nameStart),
        detail: nameStart > 0 ? item.slice(0, nameStart - 1) : undefined,
        detailMatches: indexes.filter((i) => i < nameStart - 1),
      };
    });
  }, [value, commands, files, platform]);
}
