/**
 * The workspace's keyboard-first navigation as a user meets it: the command palette (with
 * each command's shortcut) runs commands, Go to file opens any path, the Search view finds
 * text in files whoever wrote them (even a shell) and replaces it undoably, and Go to symbol
 * lists a file's functions.
 */
import type { Page } from '@playwright/test';

import {
  editorText,
  expect,
  fileContent,
  openScript,
  screenshot,
  seriousA11yViolations,
  statusBar,
  test,
  typeInTerminal,
  writeFile,
} from './fixtures';

const editorTab = (page: Page, name: string) =>
  page.getByRole('tablist', { name: 'Open files' }).getByRole('tab', { name: new RegExp(name) });
const searchView = (page: Page) => page.getByRole('region', { name: 'Search', exact: true });
const searchInput = (page: Page) => searchView(page).getByRole('textbox', { name: 'Search' });

test('the command palette finds and runs Run file (F5); Go to file opens a nested path', async ({
  page,
}) => {
  const workspace = await openScript(page);
  await writeFile(page, workspace, 'pkg/deep/module_x.py', 'VALUE = 1\n');

  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+Shift+P');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette).toBeVisible();
  await page.keyboard.type('run fi');
  const runFile = palette.getByRole('option', { name: /Run: Run file/ });
  await expect(runFile).toBeVisible();
  await expect(runFile.locator('kbd')).toHaveText('F5');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await screenshot(page, 'command-palette');
  await page.keyboard.press('Enter');
  await expect(palette).toBeHidden();
  await expect(
    page.getByRole('tablist', { name: 'Terminals' }).getByRole('tab', { name: /^Run: script\.py/ }),
  ).toBeVisible({ timeout: 30_000 });

  await editorText(page).click();
  await page.keyboard.press('F1');
  await expect(page.getByRole('dialog', { name: 'Command palette' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Command palette' })).toBeHidden();

  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+P');
  const goToFile = page.getByRole('dialog', { name: 'Go to file' });
  await expect(goToFile).toBeVisible();
  await page.keyboard.type('deep/modx');
  await expect(goToFile.getByRole('option', { name: /module_x\.py/ })).toBeVisible();
  await screenshot(page, 'go-to-file');
  await page.keyboard.press('Enter');
  await expect(editorTab(page, 'module_x\\.py')).toHaveAttribute('aria-selected', 'true');
  await expect(editorText(page)).toContainText('VALUE = 1');
});

test('Search finds what the shell wrote, opens it at the line, and replace all is undone', async ({
  page,
}) => {
  const workspace = await openScript(page);
  await typeInTerminal(page, "echo 'needle_from_shell = 1' > made_in_shell.py");
  await expect(page.getByRole('treeitem', { name: 'made_in_shell.py', exact: true })).toBeVisible({
    timeout: 15_000,
  });

  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+Shift+F');
  await expect(searchView(page)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Search', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(searchInput(page)).toBeFocused();
  await page.keyboard.type('needle_from_shell');
  await expect(searchView(page).getByRole('status').first()).toContainText('1 result in 1 file');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await screenshot(page, 'search');
  await searchView(page)
    .getByRole('button', { name: 'made_in_shell.py line 1: needle_from_shell = 1' })
    .click();
  await expect(editorTab(page, 'made_in_shell\\.py')).toHaveAttribute('aria-selected', 'true');
  await expect(statusBar(page)).toContainText('Ln 1');

  await writeFile(page, workspace, 'a.txt', 'old_word here\n');
  await writeFile(page, workspace, 'b.txt', 'and old_word there\n');
  await searchInput(page).fill('old_word');
  await expect(searchView(page).getByRole('status').first()).toContainText('2 results in 2 files');
  await searchView(page).getByRole('textbox', { name: 'Replace' }).fill('new_word');
  await searchView(page).getByRole('button', { name: 'Replace all' }).click();
  await expect(searchView(page).getByText('Replaced 2 matches in 2 files.')).toBeVisible();
  expect(await fileContent(page, workspace, 'a.txt')).toBe('new_word here\n');
  expect(await fileContent(page, workspace, 'b.txt')).toBe('and new_word there\n');
  await searchView(page).getByRole('button', { name: 'Undo' }).click();
  await expect(searchView(page).getByRole('button', { name: 'Undo' })).toBeHidden();
  expect(await fileContent(page, workspace, 'a.txt')).toBe('old_word here\n');
  expect(await fileContent(page, workspace, 'b.txt')).toBe('and old_word there\n');

  await page.getByRole('button', { name: 'Explorer' }).click();
  await expect(page.getByRole('tree', { name: 'Files' })).toBeVisible();
  await expect(searchView(page)).toBeHidden();
});

test('Go to symbol lists the functions of the file, and finds one in another file', async ({
  page,
}) => {
  const workspace = await openScript(page);
  await writeFile(
    page,
    workspace,
    'geometry_helpers.py',
    'def compute_hypotenuse(a, b):\n    return (a * a + b * b) ** 0.5\n',
  );
  await writeFile(
    page,
    workspace,
    'shapes.py',
    'def area_of_circle(r):\n    return 3.14 * r * r\n\n\ndef perimeter_of_square(s):\n    return 4 * s\n',
  );
  await page.getByRole('treeitem', { name: 'shapes.py', exact: true }).click();
  await expect(editorText(page)).toContainText('def area_of_circle');
  await expect(statusBar(page)).toContainText('✓ Pyright', { timeout: 60_000 });

  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+Shift+O');
  const outline = page.locator('.quick-input-widget');
  await expect(outline.getByRole('option', { name: /area_of_circle/ })).toBeVisible();
  await expect(outline.getByRole('option', { name: /perimeter_of_square/ })).toBeVisible();
  await page.keyboard.press('Escape');

  await page.keyboard.press('ControlOrMeta+T');
  const symbols = page.getByRole('dialog', { name: 'Go to symbol in workspace' });
  await expect(symbols).toBeVisible();
  await page.keyboard.type('compute_hyp');
  await expect(symbols.getByRole('option', { name: /compute_hypotenuse/ })).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(editorTab(page, 'geometry_helpers\\.py')).toHaveAttribute('aria-selected', 'true');
  await expect(statusBar(page)).toContainText('Ln 1');
});
