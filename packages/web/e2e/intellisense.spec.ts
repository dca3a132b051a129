/**
 * Python IntelliSense against the real language server: a completion list from pyright, a
 * squiggle for an undefined name that is also in the Problems list, and both gone once the
 * code is fixed; go to definition into a library stub (a read-only tab); references and
 * rename across files, one of them not open.
 */
import type { Page } from '@playwright/test';

import {
  createWorkspace,
  editorText,
  expect,
  fileContent,
  listPaths,
  openWorkspace,
  replaceEditorContent,
  screenshot,
  signUp,
  statusBar,
  test,
  writeFile,
} from './fixtures';

/** Puts the cursor inside `word` on (1-based) `line` of `text`, the file shown (Ctrl+G). */
async function cursorOn(page: Page, text: string, line: number, word: string): Promise<void> {
  const column = text.split('\n')[line - 1]!.indexOf(word) + 2;
  await editorText(page).click();
  await page.keyboard.press('Control+G');
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press('Enter');
  await expect(statusBar(page)).toContainText(`Ln ${line}, Col ${column}`);
}

/** A workspace with `files`, open at `main.py` once pyright is ready. */
async function workspaceWith(page: Page, name: string, files: Record<string, string>) {
  await signUp(page);
  const uuid = await createWorkspace(page, name, 'empty');
  for (const [path, content] of Object.entries(files)) await writeFile(page, uuid, path, content);
  await openWorkspace(page, uuid);
  await expect(page.getByRole('tab', { name: /^main\.py/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(statusBar(page)).toContainText('✓ Pyright', { timeout: 60_000 });
  return uuid;
}

test('completions, a squiggle and the Problems list from pyright', async ({ page }) => {
  await signUp(page);
  const uuid = await createWorkspace(page, 'IntelliSense', 'hello-numpy');
  await openWorkspace(page, uuid);
  await expect(editorText(page)).toContainText('import');
  // Edits made before the server has initialised get no completion request.
  await expect(statusBar(page)).toContainText('✓ Pyright', { timeout: 60_000 });

  await replaceEditorContent(page, 'import os\nos.pa');
  const suggest = page.locator('.monaco-editor .suggest-widget');
  await expect(suggest).toBeVisible();
  await expect(suggest.getByRole('option', { name: /^path\b/ })).toBeVisible();
  await page.keyboard.press('Escape');

  await replaceEditorContent(page, 'print(undefined_name)\n');
  await expect(page.locator('.monaco-editor .squiggly-error')).toHaveCount(1);
  const problemsButton = statusBar(page).getByRole('button', { name: /^Problems: 1 error/ });
  await problemsButton.click();
  const problems = page.getByRole('region', { name: 'Problems' });
  const problem = problems.getByRole('button', { name: /"undefined_name" is not defined/ });
  await expect(problems.getByRole('button', { name: /^script\.py/ })).toBeVisible();
  await expect(problem).toContainText('1:7');
  await screenshot(page, 'intellisense-problems');
  await problem.click();
  await expect(statusBar(page)).toContainText('Ln 1, Col 7');

  await replaceEditorContent(page, 'undefined_name = 1\nprint(undefined_name)\n');
  await expect(page.locator('.monaco-editor .squiggly-error')).toHaveCount(0);
  await expect(problems).toContainText('No problems in the open files.');
  await expect(statusBar(page).getByRole('button', { name: /^Problems: 0 errors/ })).toBeVisible();
});

test('go to definition opens a library stub in a read-only tab', async ({ page }) => {
  const main = 'import os\n\nprint(os.path.join("a", "b"))\n';
  const uuid = await workspaceWith(page, 'Library', { 'main.py': main });
  const paths = await listPaths(page, uuid);
  await cursorOn(page, main, 3, 'join');
  await page.keyboard.press('F12');

  const tab = page.getByRole('tab', { name: /^posixpath\.pyi?/ });
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(tab).toHaveAttribute('title', /posixpath\.pyi? \(library, read-only\)/);
  await expect(page.getByText('Library, read-only', { exact: true })).toBeVisible();
  // The cursor is on the definition: that line of the stub defines join.
  const line = Number(
    (await statusBar(page)
      .getByText(/Ln \d+/)
      .textContent())!.match(/Ln (\d+)/)![1],
  );
  const path = (await tab.getAttribute('title'))!.split(' (library')[0]!;
  const stub = await page.request.get(
    `/api/workspace/${uuid}/lsp/source?path=${encodeURIComponent(path)}`,
  );
  const { content } = (await stub.json()) as { content: string };
  expect(content.split('\n')[line - 1]).toContain('def join');
  await screenshot(page, 'intellisense-library-tab');

  // Read-only: typing says so and changes nothing; saving creates no workspace file.
  await page.keyboard.type('x');
  await expect(page.locator('.monaco-editor-overlaymessage')).toContainText(
    'Cannot edit in read-only editor',
  );
  await page.keyboard.press('ControlOrMeta+S');
  expect(await listPaths(page, uuid)).toEqual(paths);

  // Closing it goes back to the workspace's file.
  await page.keyboard.press('Alt+W');
  await expect(tab).toHaveCount(0);
  await expect(page.getByRole('tab', { name: /^main\.py/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  expect(await listPaths(page, uuid)).toEqual(paths);
});

test('references and rename across files, one not open; a library name is not renamed', async ({
  page,
}) => {
  page.on('dialog', (dialog) => void dialog.accept());
  const main = 'import os\nfrom helpers import greet\n\nprint(greet("a"), os.path.join("b"))\n';
  const uuid = await workspaceWith(page, 'Rename', {
    'helpers.py': 'def greet(name):\n    return "hi " + name\n',
    'main.py': main,
  });
  await expect(page.getByRole('tab', { name: /^helpers\.py/ })).toHaveCount(0);

  await cursorOn(page, main, 4, 'greet');
  await page.keyboard.press('Shift+F12');
  const peek = page.locator('.monaco-editor .peekview-widget');
  await expect(peek).toBeVisible();
  await expect(peek.getByRole('treeitem', { name: /^1 symbol in helpers\.py/ })).toBeVisible();
  await expect(peek.getByRole('treeitem', { name: /^2 symbols in main\.py/ })).toBeVisible();
  await screenshot(page, 'intellisense-references');
  await page.keyboard.press('Escape');
  await expect(peek).toHaveCount(0);

  // Formatting runs black in the cell (docs/web.md): the action is in the context menu.
  await editorText(page).click({ button: 'right' });
  await expect(page.getByRole('menuitem', { name: /Go to Definition/ })).toBeVisible();
  await expect(page.getByRole('menuitem', { name: /Format Document/ })).toBeVisible();
  await page.keyboard.press('Escape');

  await cursorOn(page, main, 4, 'greet');
  await page.keyboard.press('F2');
  const input = page.locator('.monaco-editor .rename-box input');
  await expect(input).toBeFocused();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('welcome');
  await page.keyboard.press('Enter');

  // helpers.py was opened for the edit, and both files are saved (autosave, with versions).
  await expect(page.getByRole('tab', { name: /^helpers\.py/ })).toBeVisible();
  await expect(page.getByRole('tab', { name: /^main\.py/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(editorText(page)).toContainText('print(welcome("a")');
  await expect.poll(() => fileContent(page, uuid, 'helpers.py')).toContain('def welcome(name)');
  await expect.poll(() => fileContent(page, uuid, 'main.py')).toContain('import welcome');

  // Undone in the open tabs.
  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+Z');
  await expect(editorText(page)).toContainText('print(greet("a")');
  await expect.poll(() => fileContent(page, uuid, 'main.py')).toContain('import greet');

  // A name defined in a library cannot be renamed, and the editor says why.
  await cursorOn(page, main, 4, 'join');
  await page.keyboard.press('F2');
  await expect(page.locator('.monaco-editor-overlaymessage')).toContainText(
    /“join” is defined in a library .*: it cannot be renamed/,
  );
  await expect(page.locator('.monaco-editor .rename-box input')).toBeHidden();
});
