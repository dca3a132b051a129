/**
 * Every shortcut a user has: the IDE's commands, and the keys Monaco and the terminal handle
 * themselves (not commands, so never dispatched, only listed). The keyboard shortcuts dialog
 * and docs/keyboard-shortcuts.md are both made from this.
 */
import type { CommandDescriptor } from './CommandRegistry';
import { DEFAULT_COMMANDS } from './defaultCommands';
import { keybindingLabel, type Platform } from './keybinding';

export interface ShortcutEntry extends Pick<CommandDescriptor, 'title' | 'category'> {
  keybindings: readonly string[];
  /** Where macOS differs by more than ⌘ for Ctrl. */
  macKeybindings?: readonly string[];
}

const EDITOR: readonly ShortcutEntry[] = [
  { title: 'Find', keybindings: ['Mod+F'] },
  { title: 'Replace', keybindings: ['Mod+H'], macKeybindings: ['Alt+Mod+F'] },
  { title: 'Toggle line comment', keybindings: ['Mod+/'] },
  { title: 'Trigger suggestions', keybindings: ['Ctrl+Space'] },
  { title: 'Go to definition', keybindings: ['F12'] },
  { title: 'Find all references', keybindings: ['Shift+F12'] },
  { title: 'Rename symbol', keybindings: ['F2'] },
  { title: 'Move line up', keybindings: ['Alt+Up'] },
  { title: 'Move line down', keybindings: ['Alt+Down'] },
  { title: 'Next tab', keybindings: ['Ctrl+Tab', 'Alt+PageDown'] },
  { title: 'Previous tab', keybindings: ['Ctrl+Shift+Tab', 'Alt+PageUp'] },
].map((entry) => ({ ...entry, category: 'Editor' }));

// TerminalView's own keys: Ctrl, not ⌘, on macOS too (⌘C and ⌘V work there as well).
const TERMINAL: readonly ShortcutEntry[] = [
  { title: 'Copy selection', keybindings: ['Ctrl+Shift+C'] },
  { title: 'Paste', keybindings: ['Ctrl+Shift+V'] },
  { title: 'Find in terminal', keybindings: ['Ctrl+Shift+F'] },
].map((entry) => ({ ...entry, category: 'Terminal' }));

export const SHORTCUT_REFERENCE: readonly ShortcutEntry[] = [
  ...DEFAULT_COMMANDS.map((command) => ({
    title: command.title,
    category: command.category,
    keybindings: 'keybindings' in command ? command.keybindings : [],
  })),
  ...EDITOR,
  ...TERMINAL,
];

/** Every way to type the entry's shortcut on a platform, as shown to people. */
export function shortcutLabels(entry: ShortcutEntry, platform: Platform): string[] {
  const bindings =
    platform === 'mac' ? (entry.macKeybindings ?? entry.keybindings) : entry.keybindings;
  return bindings.map((binding) => keybindingLabel(binding, platform));
}

/** Entries by category, categories in order of first appearance. */
export function byCategory(entries: readonly ShortcutEntry[]): [string, ShortcutEntry[]][] {
  const groups = new Map<string, ShortcutEntry[]>();
  for (const entry of entries)
    groups.set(entry.category, [...(groups.get(entry.category) ?? []), entry]);
  return [...groups];
}
