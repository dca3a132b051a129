/**
 * One window keydown listener for every command shortcut. It listens in the capture phase so
 * that Monaco and xterm.js, which stop the keys they handle, cannot swallow Ctrl+Shift+P or F1
 * first; because it sees every key first it is careful about what it takes:
 * - only keys with Ctrl, ⌘ or Alt, and function keys, can match, so typing is never taken;
 * - in a focused terminal only commands marked `skipShell` run, so the shell keeps Ctrl+P,
 *   Ctrl+B, Ctrl+T… and the terminal its own Ctrl+Shift+C/V/F;
 * - inside a modal dialog nothing runs: the dialog owns the keyboard until it closes;
 * - a held key runs its command once, not once per repeat.
 */
import { useEffect } from 'react';

import type { CommandRegistry } from './CommandRegistry';
import { currentPlatform, type Platform } from './keybinding';

/** xterm.js puts its input textarea inside this element. */
const TERMINAL_SELECTOR = '.xterm';

function mayBeShortcut(event: KeyboardEvent): boolean {
  return event.ctrlKey || event.metaKey || event.altKey || /^F\d{1,2}$/.test(event.key);
}

export class KeybindingDispatcher {
  readonly #registry: CommandRegistry;
  readonly #platform: Platform;
  readonly #target: Window;

  constructor(registry: CommandRegistry, platform = currentPlatform(), target: Window = window) {
    this.#registry = registry;
    this.#platform = platform;
    this.#target = target;
    target.addEventListener('keydown', this.#onKeyDown, { capture: true });
  }

  dispose() {
    this.#target.removeEventListener('keydown', this.#onKeyDown, { capture: true });
  }

  readonly #onKeyDown = (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.isComposing || !mayBeShortcut(event)) return;
    const focused = event.target instanceof Element ? event.target : undefined;
    if (focused?.closest('dialog[open]')) return;
    const command = this.#registry.commandFor(event, this.#platform);
    if (!command) return;
    if (focused?.closest(TERMINAL_SELECTOR) && !command.skipShell) return;
    event.preventDefault();
    event.stopPropagation();
    if (!event.repeat) this.#registry.run(command.id);
  };
}

/** Dispatches the registry's shortcuts while the calling component is mounted. */
export function useCommandKeybindings(registry: CommandRegistry) {
  useEffect(() => {
    const dispatcher = new KeybindingDispatcher(registry);
    return () => dispatcher.dispose();
  }, [registry]);
}
