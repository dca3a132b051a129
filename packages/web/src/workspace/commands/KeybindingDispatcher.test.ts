import { afterEach, describe, expect, it, vi } from 'vitest';

import { CommandRegistry } from './CommandRegistry';
import { bindCommand } from './defaultCommands';
import { KeybindingDispatcher } from './KeybindingDispatcher';
import { keybindingLabel } from './keybinding';

afterEach(() => {
  document.body.replaceChildren();
});

function press(target: EventTarget, init: KeyboardEventInit) {
  const event = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

function setup(platform: 'mac' | 'other' = 'other') {
  const registry = new CommandRegistry();
  const dispatcher = new KeybindingDispatcher(registry, platform);
  const palette = vi.fn();
  const goToFile = vi.fn();
  const terminal = vi.fn();
  registry.register(bindCommand('workbench.commandPalette', palette));
  registry.register(bindCommand('workbench.goToFile', goToFile));
  registry.register(bindCommand('terminal.toggle', terminal));
  return { registry, dispatcher, palette, goToFile, terminal };
}

describe('KeybindingDispatcher', () => {
  it('runs a command once for its shortcut, before the focused element sees the key', () => {
    const { palette, dispatcher } = setup();
    const editor = document.createElement('textarea');
    const editorSaw = vi.fn();
    editor.addEventListener('keydown', editorSaw);
    document.body.append(editor);

    const event = press(editor, { key: 'P', code: 'KeyP', ctrlKey: true, shiftKey: true });
    expect(palette).toHaveBeenCalledOnce();
    expect(event.defaultPrevented).toBe(true);
    expect(editorSaw).not.toHaveBeenCalled();

    press(editor, { key: 'F1', code: 'F1' });
    expect(palette).toHaveBeenCalledTimes(2);
    // Held down: the repeats are swallowed, not run again.
    press(editor, { key: 'F1', code: 'F1', repeat: true });
    expect(palette).toHaveBeenCalledTimes(2);
    dispatcher.dispose();
  });

  it('does nothing once disposed, or for a disposed command', () => {
    const { registry, dispatcher, palette, goToFile } = setup();
    const unregister = registry.register(bindCommand('workbench.goToFile', goToFile));
    unregister();
    press(document.body, { key: 'p', code: 'KeyP', ctrlKey: true });
    expect(goToFile).not.toHaveBeenCalled();

    dispatcher.dispose();
    const event = press(document.body, { key: 'F1', code: 'F1' });
    expect(palette).not.toHaveBeenCalled();
    expect(event.defaultPrevented).toBe(false);
  });

  it('never takes typing, unbound shortcuts or a disabled command’s keys', () => {
    const { registry, dispatcher, palette } = setup();
    const input = document.createElement('input');
    document.body.append(input);
    for (const key of ['p', 'P', '>', 'Enter', ' '])
      expect(press(input, { key, shiftKey: key === 'P' }).defaultPrevented).toBe(false);
    expect(press(input, { key: 'a', code: 'KeyA', ctrlKey: true }).defaultPrevented).toBe(false);

    const save = vi.fn();
    registry.register(bindCommand('file.save', save, () => false));
    expect(press(input, { key: 's', code: 'KeyS', ctrlKey: true }).defaultPrevented).toBe(false);
    expect(save).not.toHaveBeenCalled();
    expect(palette).not.toHaveBeenCalled();
    dispatcher.dispose();
  });

  it('leaves a focused terminal the keys a shell needs, but not the palette', () => {
    const { dispatcher, palette, goToFile, terminal } = setup();
    const xterm = document.createElement('div');
    xterm.className = 'xterm';
    const textarea = document.createElement('textarea');
    xterm.append(textarea);
    document.body.append(xterm);

    // Ctrl+P is the shell's previous-history.
    expect(press(textarea, { key: 'p', code: 'KeyP', ctrlKey: true }).defaultPrevented).toBe(false);
    expect(goToFile).not.toHaveBeenCalled();
    press(textarea, { key: 'P', code: 'KeyP', ctrlKey: true, shiftKey: true });
    press(textarea, { key: '`', code: 'Backquote', ctrlKey: true });
    expect(palette).toHaveBeenCalledOnce();
    expect(terminal).toHaveBeenCalledOnce();
    dispatcher.dispose();
  });

  it('leaves an open modal dialog its keys', () => {
    const { dispatcher, palette } = setup();
    const dialog = document.createElement('dialog');
    dialog.setAttribute('open', '');
    const field = document.createElement('input');
    dialog.append(field);
    document.body.append(dialog);
    press(field, { key: 'F1', code: 'F1' });
    expect(palette).not.toHaveBeenCalled();
    dispatcher.dispose();
  });

  it('uses ⌘ for Mod on macOS, and Ctrl there does not match', () => {
    const { dispatcher, goToFile } = setup('mac');
    press(document.body, { key: 'p', code: 'KeyP', ctrlKey: true });
    expect(goToFile).not.toHaveBeenCalled();
    press(document.body, { key: 'p', code: 'KeyP', metaKey: true });
    expect(goToFile).toHaveBeenCalledOnce();
    dispatcher.dispose();
  });
});

describe('keybindingLabel', () => {
  it('spells shortcuts as each platform does', () => {
    expect(keybindingLabel('Mod+Shift+P', 'other')).toBe('Ctrl+Shift+P');
    expect(keybindingLabel('Mod+Shift+P', 'mac')).toBe('⇧⌘P');
    expect(keybindingLabel('Shift+Alt+F', 'mac')).toBe('⌥⇧F');
    expect(keybindingLabel('Ctrl+`', 'mac')).toBe('⌃`');
  });
});

describe('CommandRegistry', () => {
  it('remembers what ran, newest first, and a failing command does not throw', () => {
    const registry = new CommandRegistry();
    const failing = vi.fn(() => {
      throw new Error('boom');
    });
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    registry.register(bindCommand('file.save', () => undefined));
    registry.register(bindCommand('run.file', failing));
    expect(registry.run('file.save')).toBe(true);
    expect(registry.run('run.file')).toBe(true);
    expect(registry.run('no.such.command')).toBe(false);
    expect(registry.recentlyUsed()).toEqual(['run.file', 'file.save']);
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
  });
});
