/**
 * Every action of the IDE: its id, title and shortcut. The workspace page binds a handler to
 * each (`bindCommand`); the palette, the shortcut reference dialog and
 * docs/keyboard-shortcuts.md are all made from this one list.
 *
 * Ctrl+W, Ctrl+N, Ctrl+T (new tab) and Ctrl+Shift+W belong to the browser and never reach
 * a page, so Close tab is Alt+W and New file has no shortcut.
 */
import type { Command, CommandDescriptor } from './CommandRegistry';

export const DEFAULT_COMMANDS = [
  { id: 'file.save', title: 'Save', category: 'File', keybindings: ['Mod+S'] },
  { id: 'file.saveAll', title: 'Save all', category: 'File' },
  { id: 'file.new', title: 'New file', category: 'File' },
  { id: 'file.newFolder', title: 'New folder', category: 'File' },
  { id: 'file.history', title: 'File history', category: 'File' },
  { id: 'editor.closeTab', title: 'Close tab', category: 'File', keybindings: ['Alt+W'] },
  {
    id: 'editor.formatDocument',
    title: 'Format document',
    category: 'Edit',
    keybindings: ['Shift+Alt+F'],
  },
  {
    id: 'editor.organizeImports',
    title: 'Organize imports',
    category: 'Edit',
    keybindings: ['Shift+Alt+O'],
  },
  { id: 'workbench.goToFile', title: 'Go to file', category: 'Go', keybindings: ['Mod+P'] },
  {
    id: 'workbench.goToSymbolInFile',
    title: 'Go to symbol in file',
    category: 'Go',
    keybindings: ['Mod+Shift+O'],
  },
  {
    id: 'workbench.goToSymbolInWorkspace',
    title: 'Go to symbol in workspace',
    category: 'Go',
    keybindings: ['Mod+T'],
  },
  {
    id: 'search.inFiles',
    title: 'Search in files',
    category: 'Search',
    keybindings: ['Mod+Shift+F'],
  },
  { id: 'run.file', title: 'Run file', category: 'Run', keybindings: ['F5'], skipShell: true },
  { id: 'run.stop', title: 'Stop', category: 'Run', keybindings: ['Shift+F5'], skipShell: true },
  {
    id: 'workbench.commandPalette',
    title: 'Command palette',
    category: 'View',
    keybindings: ['Mod+Shift+P', 'F1'],
    skipShell: true,
  },
  {
    id: 'view.problems',
    title: 'Problems',
    category: 'View',
    keybindings: ['Mod+Shift+M'],
    skipShell: true,
  },
  { id: 'view.toggleFiles', title: 'Toggle files', category: 'View', keybindings: ['Mod+B'] },
  { id: 'view.splitEditor', title: 'Split editor', category: 'View', keybindings: ['Mod+\\'] },
  {
    id: 'view.moveEditorLeft',
    title: 'Move editor into left group',
    category: 'View',
    keybindings: ['Mod+Alt+ArrowLeft'],
  },
  {
    id: 'view.moveEditorRight',
    title: 'Move editor into right group',
    category: 'View',
    keybindings: ['Mod+Alt+ArrowRight'],
  },
  { id: 'file.compareWith', title: 'Compare active file with…', category: 'File' },
  {
    id: 'terminal.new',
    title: 'New terminal',
    category: 'Terminal',
    keybindings: ['Ctrl+Shift+`'],
    skipShell: true,
  },
  {
    id: 'terminal.toggle',
    title: 'Toggle terminal',
    category: 'Terminal',
    keybindings: ['Ctrl+`'],
    skipShell: true,
  },
  {
    id: 'preferences.settings',
    title: 'Settings',
    category: 'Preferences',
    keybindings: ['Mod+,'],
  },
  { id: 'preferences.keyboardShortcuts', title: 'Keyboard shortcuts', category: 'Preferences' },
  { id: 'account.signOut', title: 'Sign out', category: 'Account' },
] as const satisfies readonly CommandDescriptor[];

export type DefaultCommandId = (typeof DEFAULT_COMMANDS)[number]['id'];

/** One of the default commands with the page's handler, ready for `registry.register`. */
export function bindCommand(
  id: DefaultCommandId,
  run: Command['run'],
  enabled?: Command['enabled'],
): Command {
  const descriptor: CommandDescriptor | undefined = DEFAULT_COMMANDS.find(
    (command) => command.id === id,
  );
  if (!descriptor) throw new Error(`no default command ${id}`);
  return { ...descriptor, run, enabled };
}
