/**
 * Format Document and Organize Imports as a user meets them: badly formatted Python typed
 * into a file is formatted by the cell's formatter (black here: the cell has no ruff) with
 * Shift+Alt+F or from the command palette, undone with one Ctrl+Z, its tab then unsaved
 * until saved like any edit; Organize Imports (Shift+Alt+O) sorts the imports; code the
 * formatter cannot parse is left as it is, the editor saying why.
 *
 * "No formatter installed" is not tested here: black and isort come with every cell, and
 * a workspace cannot take them away.
 */
import type { Page } from '@playwright/test';

import {
  createWorkspace,
  editorText,
  expect,
  fileContent,
  openWorkspace,
  patchSettings,
  replaceEditorContent,
  screenshot,
  signUp,
  statusBar,
  test,
  writeFile,
} from './fixtures';

// Typed as a user would; the function comes last, as Monaco keeps typing in its indentation.
const MESSY = 'import sys\nimport os\nx=[1,2 ,3]\nprint(x, sys, os)\ndef f( a ):\n  return a\n';
const FORMATTED =
  'import sys\nimport os\n\nx = [1, 2, 3]\nprint(x, sys, os)\n\n\ndef f(a):\n    return a\n';

const tab = (page: Page) =>
  page.getByRole('tablist', { name: 'Open files' }).getByRole('tab', { name: /^messy\.py/ });

async function save(page: Page) {
  await page.keyboard.press('ControlOrMeta+S');
  await expect(tab(page)).toHaveAccessibleName('messy.py');
  await expect(statusBar(page)).toContainText('Saved');
}

async function runFromPalette(page: Page, title: string) {
  await page.keyboard.press('ControlOrMeta+Shift+P');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await page.keyboard.type(title);
  await palette.getByRole('option', { name: new RegExp(title, 'i') }).click();
  await expect(palette).toBeHidden();
}

/** A new user's empty workspace with messy.py open, saved by hand; answers its uuid. */
async function openEmptyFile(page: Page): Promise<string> {
  await signUp(page);
  // Saving by hand, so a formatted file is seen unsaved until it is saved.
  await patchSettings(page, { autosave: false });
  const workspace = await createWorkspace(page, 'Format', 'empty');
  await writeFile(page, workspace, 'messy.py', '');
  await openWorkspace(page, workspace);
  await page.getByRole('treeitem', { name: 'messy.py' }).click();
  await expect(tab(page)).toHaveAttribute('aria-selected', 'true');
  return workspace;
}

test('Format Document (Shift+Alt+F and the palette) and Organize Imports (Shift+Alt+O)', async ({
  page,
}) => {
  const workspace = await openEmptyFile(page);
  await replaceEditorContent(page, MESSY);
  await save(page);

  await page.keyboard.press('Shift+Alt+F');
  // The first format starts the cell.
  await expect(editorText(page)).toContainText('x = [1, 2, 3]', { timeout: 60_000 });
  await expect(editorText(page)).toContainText('def f(a):');
  await expect(tab(page)).toHaveAccessibleName('messy.py (unsaved)');
  await expect(statusBar(page)).toContainText('● Unsaved');
  await screenshot(page, 'format-document');

  // One Ctrl+Z undoes the whole format.
  await page.keyboard.press('ControlOrMeta+Z');
  await expect(editorText(page)).toContainText('x=[1,2 ,3]');
  await expect(editorText(page)).not.toContainText('x = [1, 2, 3]');

  await runFromPalette(page, 'Format document');
  await expect(editorText(page)).toContainText('x = [1, 2, 3]');
  await save(page);
  expect(await fileContent(page, workspace, 'messy.py')).toBe(FORMATTED);

  await page.keyboard.press('Shift+Alt+O');
  await expect(tab(page)).toHaveAccessibleName('messy.py (unsaved)');
  await save(page);
  expect(await fileContent(page, workspace, 'messy.py')).toBe(
    FORMATTED.replace('import sys\nimport os\n', 'import os\nimport sys\n'),
  );
  await screenshot(page, 'organize-imports');
});

test('code the formatter cannot parse stays as it is, and the editor says why', async ({
  page,
}) => {
  await openEmptyFile(page);
  await replaceEditorContent(page, 'def broken(:\n  pass\n');
  await page.keyboard.press('Shift+Alt+F');
  const alert = page.getByRole('alert').filter({ hasText: 'could not format messy.py' });
  await expect(alert).toContainText('black could not format messy.py', { timeout: 60_000 });
  await expect(alert).toContainText('Cannot parse');
  await expect(editorText(page)).toContainText('def broken(:');
  await screenshot(page, 'format-error');
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await expect(alert).toBeHidden();
});
