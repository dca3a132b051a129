/**
 * The workspace page's commands: one registry per page with a handler for each default
 * command, their shortcuts dispatched while the page is open, and what they open (the
 * quick pick: command palette, Go to file or symbol; settings, the shortcut reference).
 */
import { type ReactNode, type RefObject, useEffect, useMemo, useRef, useState } from 'react';

import { useSession as useAccount } from '../../api/session';
import { SettingsDialog } from '../../settings/SettingsDialog';
import type { EditorHandle, TerminalHandle } from '../contracts';
import type { WorkspaceSymbolSearch } from '../language/workspaceSymbols';
import { useFiles } from '../session/context';
import { CommandRegistry } from './CommandRegistry';
import { bindCommand } from './defaultCommands';
import { KeyboardShortcutsDialog } from './KeyboardShortcutsDialog';
import { useCommandKeybindings } from './KeybindingDispatcher';
import { QuickPick } from './QuickPick';
import type { QuickPickMode } from './useQuickPickItems';

export interface WorkspaceCommandTargets {
  editor: EditorHandle;
  terminal: RefObject<TerminalHandle | null>;
  activePath: string | undefined;
  runActiveFile: () => Promise<void>;
  /** Pyright's workspace symbol search, once the editor's chunk has loaded. */
  workspaceSymbols: RefObject<WorkspaceSymbolSearch | null>;
  showSearch: () => void;
  toggleFiles: () => void;
  toggleTerminal: () => void;
  toggleProblems: () => void;
}

type Opened = QuickPickMode | 'settings' | 'shortcuts' | undefined;

export function useWorkspaceCommands(targets: WorkspaceCommandTargets): {
  registry: CommandRegistry;
  overlay: ReactNode;
} {
  const [registry] = useState(() => new CommandRegistry());
  const [opened, setOpened] = useState<Opened>();
  const { logout } = useAccount();
  const files = useFiles();
  // The handlers read the latest targets; the commands are registered once.
  const latest = useRef(targets);
  useEffect(() => {
    latest.current = targets;
  });
  // One function for the page's life: the quick pick asks again when its search changes.
  const [searchSymbols] = useState<WorkspaceSymbolSearch>(
    () => (query: string) =>
      latest.current.workspaceSymbols.current?.(query) ??
      Promise.reject(new Error('Python support starts once a Python file is open.')),
  );

  useEffect(() => {
    const t = () => latest.current;
    const hasFile = () => t().activePath !== undefined;
    const isPython = () => t().activePath?.endsWith('.py') ?? false;
    const editorAction = (id: string) => () => t().editor.runEditorAction(id);
    const commands = [
      bindCommand('file.save', editorAction('workcell.save'), hasFile),
      bindCommand('file.saveAll', () => t().editor.saveAll()),
      bindCommand('file.history', editorAction('workcell.history'), hasFile),
      bindCommand('editor.closeTab', editorAction('workcell.closeTab'), hasFile),
      bindCommand('editor.formatDocument', editorAction('workcell.formatDocument'), isPython),
      bindCommand('editor.organizeImports', editorAction('workcell.organizeImports'), isPython),
      bindCommand('workbench.goToFile', () => setOpened('files')),
      bindCommand(
        'workbench.goToSymbolInFile',
        editorAction('editor.action.quickOutline'),
        isPython,
      ),
      bindCommand(
        'workbench.goToSymbolInWorkspace',
        () => setOpened('symbols'),
        () => t().workspaceSymbols.current !== null,
      ),
      bindCommand('search.inFiles', () => t().showSearch()),
      bindCommand('run.file', () => t().runActiveFile(), isPython),
      bindCommand(
        'run.stop',
        () => {
          const path = t().activePath;
          if (path !== undefined) t().terminal.current?.stopRun(path);
        },
        isPython,
      ),
      bindCommand('workbench.commandPalette', () => setOpened('commands')),
      bindCommand('view.toggleFiles', () => t().toggleFiles()),
      bindCommand('view.problems', () => t().toggleProblems()),
      bindCommand('view.splitEditor', () => t().editor.split()),
      bindCommand('view.moveEditorLeft', () => t().editor.moveEditor('left')),
      bindCommand('view.moveEditorRight', () => t().editor.moveEditor('right')),
      bindCommand('file.compareWith', () => t().editor.compareActive()),
      bindCommand('terminal.new', () => t().terminal.current?.newTerminal()),
      bindCommand('terminal.toggle', () => t().toggleTerminal()),
      bindCommand('preferences.settings', () => setOpened('settings')),
      bindCommand('preferences.keyboardShortcuts', () => setOpened('shortcuts')),
      bindCommand('account.signOut', () => logout()),
    ];
    const unregister = commands.map((command) => registry.register(command));
    return () => unregister.forEach((remove) => remove());
  }, [registry, logout]);
  useCommandKeybindings(registry);

  const paths = useMemo(
    () =>
      [...files.model.values()]
        .filter((entry) => entry.type === 'file')
        .map((entry) => entry.path)
        .sort(),
    [files.model],
  );
  const close = () => setOpened(undefined);
  const overlay = (
    <>
      {(opened === 'commands' || opened === 'files' || opened === 'symbols') && (
        <QuickPick
          key={opened}
          initialMode={opened}
          registry={registry}
          paths={paths}
          onOpenFile={(path) => targets.editor.open(path)}
          searchSymbols={searchSymbols}
          onOpenSymbol={({ path, line, column }) => targets.editor.openAt(path, line, column)}
          onClose={close}
        />
      )}
      <SettingsDialog open={opened === 'settings'} onClose={close} />
      <KeyboardShortcutsDialog open={opened === 'shortcuts'} onClose={close} />
    </>
  );
  return { registry, overlay };
}
