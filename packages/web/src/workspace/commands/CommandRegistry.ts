/** Every action of the IDE by id: what the palette lists, the shortcuts run and the docs show. */
import { type KeyEventLike, matchesKeybinding, type Platform } from './keybinding';

export interface CommandDescriptor {
  id: string;
  title: string;
  /** Groups the shortcut reference and prefixes the title in the palette ("File: Save"). */
  category: string;
  /** In keybinding notation ("Mod+Shift+P"); the first is the one shown. */
  keybindings?: readonly string[];
  /**
   * The shortcut wins over a focused terminal. Left off for keys a shell needs (Ctrl+P is
   * history, Ctrl+B back a character, Ctrl+T transpose) and for keys the terminal binds itself
   * (Ctrl+Shift+C/V/F), as VS Code's "commands to skip shell" does.
   */
  skipShell?: boolean;
}

export interface Command extends CommandDescriptor {
  run: () => void | Promise<void>;
  /** False hides the command from the palette and makes its shortcut do nothing. */
  enabled?: () => boolean;
}

export interface RegistrySnapshot {
  commands: readonly Command[];
  recentlyUsed: readonly string[];
}

/** How many commands the palette remembers as recently used. */
const RECENT_LIMIT = 20;

export class CommandRegistry {
  readonly #commands = new Map<string, Command>();
  #recent: string[] = [];
  readonly #listeners = new Set<() => void>();
  #snapshot: RegistrySnapshot | undefined;

  /** Adds a command (replacing one with the same id); the returned function removes it. */
  register(command: Command): () => void {
    this.#commands.set(command.id, command);
    this.#changed();
    return () => {
      if (this.#commands.get(command.id) !== command) return;
      this.#commands.delete(command.id);
      this.#changed();
    };
  }

  get(id: string): Command | undefined {
    return this.#commands.get(id);
  }

  /** In registration order. */
  list(): Command[] {
    return [...this.#commands.values()];
  }

  isEnabled(command: Command): boolean {
    return command.enabled?.() ?? true;
  }

  /** Runs an enabled command and remembers it as the most recently used; false if it did not run. */
  run(id: string): boolean {
    const command = this.#commands.get(id);
    if (!command || !this.isEnabled(command)) return false;
    this.#recent = [id, ...this.#recent.filter((recent) => recent !== id)].slice(0, RECENT_LIMIT);
    this.#changed();
    // Synchronously, so a command still runs inside the key press or click's user activation.
    const failed = (error: unknown) => console.error(`command ${id} failed`, error);
    try {
      void command.run()?.catch(failed);
    } catch (error) {
      failed(error);
    }
    return true;
  }

  /** Ids of the commands run most recently, newest first. */
  recentlyUsed(): readonly string[] {
    return this.#recent;
  }

  /** The enabled command a key press is bound to, if any. */
  commandFor(event: KeyEventLike, platform: Platform): Command | undefined {
    for (const command of this.#commands.values())
      if (
        command.keybindings?.some((binding) => matchesKeybinding(binding, event, platform)) &&
        this.isEnabled(command)
      )
        return command;
    return undefined;
  }

  /** Called after any change to the commands or to what was used recently. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The same object until something changes: for useSyncExternalStore. */
  readonly snapshot = (): RegistrySnapshot =>
    (this.#snapshot ??= { commands: this.list(), recentlyUsed: this.#recent });

  #changed() {
    this.#snapshot = undefined;
    for (const listener of this.#listeners) listener();
  }
}
