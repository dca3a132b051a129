/** docs/keyboard-shortcuts.md, written from the shortcut reference so that it cannot drift. */
import { DEFAULT_COMMANDS } from './defaultCommands';
import { byCategory, SHORTCUT_REFERENCE, shortcutLabels } from './shortcutReference';

export const REGENERATE_COMMAND =
  'UPDATE_DOCS=1 npx vitest run packages/web/src/workspace/commands/shortcutDoc.test.ts';

/** Markdown reads ` and \ even inside <kbd>: Ctrl+` would open a code span. */
const escaped = (label: string) => label.replace(/[\\`]/g, '\\$&');

const keys = (labels: string[]) =>
  labels.length === 0 ? '—' : labels.map((label) => `<kbd>${escaped(label)}</kbd>`).join(' or ');

export function keyboardShortcutsMarkdown(): string {
  const overTerminal = DEFAULT_COMMANDS.filter(
    (command) => 'skipShell' in command && command.skipShell,
  ).map((command) => command.title);
  const lines = [
    '# Keyboard shortcuts',
    '',
    `<!-- Generated from packages/web/src/workspace/commands/shortcutReference.ts; do not edit.`,
    `     Regenerate with: ${REGENERATE_COMMAND} -->`,
    '',
    'Every action is also in the command palette (<kbd>Ctrl+Shift+P</kbd> or <kbd>F1</kbd>),',
    'with its shortcut; the same list is under your name in the header, "Keyboard shortcuts".',
    'On macOS <kbd>⌘</kbd> takes the place of <kbd>Ctrl</kbd> except where the table says',
    'otherwise.',
    '',
    'Browsers keep some keys for themselves and never pass them to a page: <kbd>Ctrl+W</kbd>,',
    '<kbd>Ctrl+N</kbd>, <kbd>Ctrl+T</kbd> and <kbd>Ctrl+Shift+W</kbd>. So Close tab is',
    '<kbd>Alt+W</kbd>.',
    '',
    '**In a terminal** the shell keeps its keys (<kbd>Ctrl+P</kbd> is the previous command,',
    '<kbd>Ctrl+B</kbd> a character back, <kbd>Ctrl+T</kbd> transposes) and the terminal its',
    'own copy, paste and find. Only these shortcuts act while a terminal has focus:',
    `${overTerminal.join(', ')}.`,
    '',
  ];
  for (const [category, entries] of byCategory(SHORTCUT_REFERENCE)) {
    lines.push(
      `## ${category}`,
      '',
      '| Action | Linux and Windows | macOS |',
      '| --- | --- | --- |',
    );
    for (const entry of entries)
      lines.push(
        `| ${entry.title} | ${keys(shortcutLabels(entry, 'other'))} | ${keys(shortcutLabels(entry, 'mac'))} |`,
      );
    lines.push('');
  }
  return lines.join('\n');
}
