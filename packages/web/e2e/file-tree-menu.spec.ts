/**
 * The file tree's context menu and multi-select as a user works with them: New File from
 * the menu, Duplicate, Ctrl+click two files and delete both then Undo, Copy Path, Reveal in
 * Terminal, Download (a folder as a zip); axe with the menu open.
 */
import type { Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';

import { strFromU8, unzipSync } from 'fflate';

import {
  chooseFromTreeMenu,
  createWorkspace,
  expect,
  fileContent,
  listPaths,
  openTreeMenu,
  openWorkspace,
  screenshot,
  seriousA11yViolations,
  signUp,
  terminalText,
  test,
  treeItem,
  typeInTerminal,
  writeFile,
} from './fixtures';

const menu = (page: Page) => page.getByRole('menu');

test('the context menu creates, duplicates, copies paths, reveals in a terminal and downloads', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signUp(page);
  const workspace = await createWorkspace(page, 'Menu', 'hello-numpy');
  await writeFile(page, workspace, 'src/app.py', 'print("app")\n');
  await openWorkspace(page, workspace);
  await expect(treeItem(page, 'script.py')).toBeVisible();

  // The menu is a WAI-ARIA menu: opened by the keyboard on the focused row, arrows move.
  await treeItem(page, 'script.py').focus();
  await page.keyboard.press('Shift+F10');
  await expect(menu(page)).toHaveAccessibleName('Actions for script.py');
  await expect(menu(page).getByRole('menuitem').first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu(page).getByRole('menuitem', { name: 'New File…' })).toBeFocused();
  expect(await seriousA11yViolations(page)).toEqual([]);
  await screenshot(page, 'file-tree-menu');
  await page.keyboard.press('Escape');
  await expect(menu(page)).toBeHidden();
  await expect(treeItem(page, 'script.py')).toBeFocused();

  // New File… from the menu: named inline, created, opened in the editor.
  await chooseFromTreeMenu(page, 'script.py', 'New File…');
  await page.getByRole('textbox', { name: 'New file name in the workspace' }).fill('notes.py');
  await page.keyboard.press('Enter');
  await expect(treeItem(page, 'notes.py')).toBeVisible();
  await expect(page.getByRole('tab', { name: /^notes\.py/ })).toBeVisible();

  // Duplicate: `script copy.py` with the same content, then `script copy 2.py`.
  const script = await fileContent(page, workspace, 'script.py');
  await chooseFromTreeMenu(page, 'script.py', 'Duplicate');
  await expect(treeItem(page, 'script copy.py')).toBeVisible();
  expect(await fileContent(page, workspace, 'script copy.py')).toBe(script);
  await chooseFromTreeMenu(page, 'script.py', 'Duplicate');
  await expect(treeItem(page, 'script copy 2.py')).toBeVisible();

  // Copy Path (workspace-relative) and Copy Absolute Path (in the cell).
  await treeItem(page, 'src').locator(':scope > .tree-row').click();
  await chooseFromTreeMenu(page, 'app.py', 'Copy Path');
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('src/app.py');
  await chooseFromTreeMenu(page, 'app.py', 'Copy Absolute Path');
  await expect
    .poll(() => page.evaluate(() => navigator.clipboard.readText()))
    .toBe('/app/src/app.py');

  // A folder duplicates with its files; deleting it offers Undo, which restores them.
  await chooseFromTreeMenu(page, 'src', 'Duplicate');
  await expect(treeItem(page, 'src copy')).toBeVisible();
  await expect.poll(() => listPaths(page, workspace)).toContain('src copy/app.py');
  expect(await fileContent(page, workspace, 'src copy/app.py')).toBe('print("app")\n');
  await chooseFromTreeMenu(page, 'src copy', 'Delete');
  await expect(treeItem(page, 'src copy')).toHaveCount(0);
  await page
    .getByRole('alert')
    .filter({ hasText: 'Deleted src copy.' })
    .getByRole('button', { name: 'Undo' })
    .click();
  await expect(treeItem(page, 'src copy')).toBeVisible();
  await expect.poll(() => listPaths(page, workspace)).toContain('src copy/app.py');
  expect(await fileContent(page, workspace, 'src copy/app.py')).toBe('print("app")\n');

  // Reveal in Terminal: a new shell whose working directory is the folder.
  await chooseFromTreeMenu(page, 'src', 'Reveal in Terminal');
  await expect(page.getByRole('tab', { name: /^Terminal 2/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(terminalText(page)).toContainText('$', { timeout: 60_000 });
  await typeInTerminal(page, 'pwd | sed "s/^/cwd=/"');
  await expect(terminalText(page)).toContainText('cwd=/app/src');

  // Download: the file's bytes, under its name.
  const downloading = page.waitForEvent('download');
  await chooseFromTreeMenu(page, 'script.py', 'Download');
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('script.py');
  expect(await readFile(await download.path(), 'utf8')).toBe(script);

  // A folder downloads as a zip named after it, holding the folder.
  const zipping = page.waitForEvent('download');
  await chooseFromTreeMenu(page, 'src', 'Download as Zip');
  const zip = await zipping;
  expect(zip.suggestedFilename()).toBe('src.zip');
  const entries = unzipSync(await readFile(await zip.path()));
  expect(Object.keys(entries).sort()).toEqual(['src/', 'src/app.py']);
  expect(strFromU8(entries['src/app.py']!)).toBe('print("app")\n');
});

test('Ctrl+click selects two files; Delete removes both and Undo brings them back', async ({
  page,
}) => {
  await signUp(page);
  const workspace = await createWorkspace(page, 'Select', 'hello-numpy');
  await writeFile(page, workspace, 'a.txt', 'alpha\n');
  await writeFile(page, workspace, 'b.txt', 'beta\n');
  const initial = await listPaths(page, workspace);
  await openWorkspace(page, workspace);
  const tree = page.getByRole('tree', { name: 'Files' });
  await expect(tree).toHaveAttribute('aria-multiselectable', 'true');

  await treeItem(page, 'a.txt').locator(':scope > .tree-row').click();
  await treeItem(page, 'b.txt')
    .locator(':scope > .tree-row')
    .click({ modifiers: ['ControlOrMeta'] });
  await expect(treeItem(page, 'a.txt')).toHaveAttribute('aria-selected', 'true');
  await expect(treeItem(page, 'b.txt')).toHaveAttribute('aria-selected', 'true');
  await expect(treeItem(page, 'script.py')).toHaveAttribute('aria-selected', 'false');

  // The menu on a selected row acts on the whole selection.
  await openTreeMenu(page, 'b.txt');
  await expect(menu(page)).toHaveAccessibleName('Actions for 2 items');
  await page.keyboard.press('Escape');

  await page.keyboard.press('Delete');
  await expect(treeItem(page, 'a.txt')).toHaveCount(0);
  await expect(treeItem(page, 'b.txt')).toHaveCount(0);
  await expect
    .poll(() => listPaths(page, workspace))
    .toEqual(initial.filter((path) => path !== 'a.txt' && path !== 'b.txt'));

  const alert = page.getByRole('alert').filter({ hasText: 'Deleted 2 items.' });
  await alert.getByRole('button', { name: 'Undo' }).click();
  await expect(treeItem(page, 'a.txt')).toBeVisible();
  await expect(treeItem(page, 'b.txt')).toBeVisible();
  expect(await fileContent(page, workspace, 'a.txt')).toBe('alpha\n');
  expect(await fileContent(page, workspace, 'b.txt')).toBe('beta\n');

  // Shift+click selects the range in the order shown.
  await treeItem(page, 'a.txt').locator(':scope > .tree-row').click();
  await treeItem(page, 'script.py')
    .locator(':scope > .tree-row')
    .click({ modifiers: ['Shift'] });
  for (const name of ['a.txt', 'b.txt', 'script.py'])
    await expect(treeItem(page, name)).toHaveAttribute('aria-selected', 'true');
});
