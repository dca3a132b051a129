import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';

import { keyboardShortcutsMarkdown, REGENERATE_COMMAND } from './shortcutDoc';

// Vitest runs from the repository's root, where its config is.
const DOC = resolve('docs/keyboard-shortcuts.md');

describe('docs/keyboard-shortcuts.md', () => {
  it('is what the shortcut reference says', async () => {
    // As `npm run format:check` wants it: prettier aligns the tables.
    const expected = await format(keyboardShortcutsMarkdown(), {
      ...(await resolveConfig(DOC)),
      filepath: DOC,
    });
    if (process.env.UPDATE_DOCS) writeFileSync(DOC, expected);
    expect(readFileSync(DOC, 'utf8'), `out of date: ${REGENERATE_COMMAND}`).toBe(expected);
  });

  it('lists the palette on both platforms and the editor’s own keys', () => {
    const doc = keyboardShortcutsMarkdown();
    expect(doc).toContain(
      '| Command palette | <kbd>Ctrl+Shift+P</kbd> or <kbd>F1</kbd> | <kbd>⇧⌘P</kbd> or <kbd>F1</kbd> |',
    );
    expect(doc).toContain('| Replace | <kbd>Ctrl+H</kbd> | <kbd>⌥⌘F</kbd> |');
    expect(doc).toContain('| Copy selection | <kbd>Ctrl+Shift+C</kbd> | <kbd>⌃⇧C</kbd> |');
  });
});
