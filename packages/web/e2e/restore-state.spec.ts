/**
 * Staying in place: the open tabs (in both editor groups), the active one, each one's
 * cursor and scroll, the panel sizes, the terminals (with their shells) and run
 * configurations come back after a reload, and on another device signed in as the same
 * user; a file deleted meanwhile is left out.
 */
import type { Page } from '@playwright/test';

import { baseURL } from '../playwright.config';
import {
  createWorkspace,
  editorText,
  expect,
  groupTabs,
  groupText,
  openWorkspace,
  screenshot,
  signIn,
  signUp,
  statusBar,
  terminalText,
  test,
  typeInTerminal,
  writeFile,
} from './fixtures';

const groupTab = (page: Page, n: number, name: string) =>
  groupTabs(page, n).filter({ hasText: name });
const openFiles = (page: Page) => page.getByRole('tablist', { name: 'Open files' });
const fileTab = (page: Page, name: string) => openFiles(page).getByRole('tab', { name });
const terminalTab = (page: Page, name: string) =>
  page.getByRole('tablist', { name: 'Terminals' }).getByRole('tab', { name, exact: true });
const groupWidth = async (page: Page, n: number) =>
  (await page.locator(`.editor-group[data-group="${n}"]`).boundingBox())!.width;
const terminalHeight = async (page: Page) =>
  (await page.getByRole('region', { name: 'Terminal' }).boundingBox())!.height;

/** The number of the long file's first line in view. */
const firstLine = async (page: Page) =>
  Number(/line_(\d+)\s=/.exec((await editorText(page).textContent()) ?? '')?.[1]);

const SCRIPT = 'import sys\n\n\n\nprint("args", sys.argv[1:])\n';
const LONG = Array.from({ length: 300 }, (_, i) => `line_${i} = ${i}`).join('\n');

test('tabs, cursor, scroll, panel size, terminals and run arguments survive a reload and follow the user', async ({
  page,
  browser,
}) => {
  const user = await signUp(page);
  const workspace = await createWorkspace(page, 'Staying');
  await writeFile(page, workspace, 'script.py', SCRIPT);
  await writeFile(page, workspace, 'long.py', LONG);
  await openWorkspace(page, workspace);
  await expect(fileTab(page, 'script.py')).toHaveAttribute('aria-selected', 'true');
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });

  // The long file, scrolled well down.
  await page.getByRole('treeitem', { name: 'long.py' }).click();
  await expect(editorText(page)).toContainText('line_0 = 0');
  await editorText(page).hover();
  for (let i = 0; i < 8; i++) await page.mouse.wheel(0, 300);
  await expect.poll(() => firstLine(page)).toBeGreaterThan(20);
  const scrolledTo = await firstLine(page);

  // The script, its cursor at line 5, column 3, and a run configuration.
  await fileTab(page, 'script.py').click();
  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+Home');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
  for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight');
  await expect(statusBar(page)).toContainText('Ln 5, Col 3');
  const runControls = page.getByRole('group', { name: 'Run' });
  await runControls.getByRole('button', { name: 'Run configuration…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run configuration: script.py' });
  await dialog.getByLabel('Arguments').fill('--mark 7');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);

  // The terminal panel made taller by dragging its separator.
  const before = await terminalHeight(page);
  const separator = (await page.locator('.separator.horizontal').boundingBox())!;
  await page.mouse.move(separator.x + separator.width / 2, separator.y + separator.height / 2);
  await page.mouse.down();
  await page.mouse.move(separator.x + separator.width / 2, separator.y - 150, { steps: 10 });
  await page.mouse.up();
  const resized = await terminalHeight(page);
  expect(resized).toBeGreaterThan(before + 100);

  // A second terminal with a variable in its shell.
  await page.getByRole('button', { name: 'New terminal' }).click();
  await expect(terminalTab(page, 'Terminal 2')).toHaveAttribute('aria-selected', 'true');
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  await typeInTerminal(page, 'export MARK=1');
  await page.waitForTimeout(1500); // the state's save, a second after the last change

  await page.reload();
  await expect(fileTab(page, 'script.py')).toHaveAttribute('aria-selected', 'true', {
    timeout: 60_000,
  });
  await expect(openFiles(page).getByRole('tab')).toHaveCount(2);
  await expect(fileTab(page, 'long.py')).toBeVisible();
  await expect(statusBar(page)).toContainText('Ln 5, Col 3');
  expect(Math.abs((await terminalHeight(page)) - resized)).toBeLessThan(8);
  await expect(terminalTab(page, 'Terminal 1')).toBeVisible();
  await expect(terminalTab(page, 'Terminal 2')).toHaveAttribute('aria-selected', 'true');
  await expect(terminalText(page)).toContainText('export MARK=1', { timeout: 30_000 });
  await typeInTerminal(page, 'echo "mark=$MARK"');
  await expect(terminalText(page)).toContainText('mark=1');
  await screenshot(page, 'restored-workspace');

  // Another device: a new browser context signed in as the same user.
  const other = await browser.newContext({ baseURL });
  const second = await other.newPage();
  await signIn(second, user);
  await openWorkspace(second, workspace);
  await expect(fileTab(second, 'script.py')).toHaveAttribute('aria-selected', 'true');
  await expect(openFiles(second).getByRole('tab')).toHaveCount(2);
  await expect(statusBar(second)).toContainText('Ln 5, Col 3', { timeout: 30_000 });
  await other.close();

  // The long file is where it was scrolled to.
  await fileTab(page, 'long.py').click();
  await expect.poll(() => firstLine(page)).toBe(scrolledTo);

  // The run arguments set before the reload are used.
  await fileTab(page, 'script.py').click();
  await page.keyboard.press('F5');
  await expect(terminalText(page)).toContainText("args ['--mark', '7']", { timeout: 30_000 });

  // A remembered file deleted meanwhile is quietly left out of the next visit.
  const deleted = await page.request.delete(`/api/workspace/${workspace}/file/long.py`, {
    headers: { origin: baseURL },
  });
  expect(deleted.ok(), await deleted.text()).toBe(true);
  const later = await page.context().newPage();
  await openWorkspace(later, workspace);
  await expect(fileTab(later, 'script.py')).toHaveAttribute('aria-selected', 'true');
  await expect(openFiles(later).getByRole('tab')).toHaveCount(1);
  await expect(later.getByText(/could not be opened/)).toHaveCount(0);
});

test('a split editor comes back with both groups, their tabs, their widths and the focused one', async ({
  page,
}) => {
  await signUp(page);
  const workspace = await createWorkspace(page, 'Split again');
  await writeFile(page, workspace, 'main.py', 'print("main")\n');
  await writeFile(page, workspace, 'helper.py', 'VALUE = 1\n\nOTHER = 2\n');
  await openWorkspace(page, workspace);
  await expect(fileTab(page, 'main.py')).toHaveAttribute('aria-selected', 'true');

  // Split, then a different file in the second group, its cursor on line 3.
  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+\\');
  await expect(groupTab(page, 2, 'main.py')).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('treeitem', { name: 'helper.py' }).click();
  await expect(groupTab(page, 2, 'helper.py')).toHaveAttribute('aria-selected', 'true');
  await groupText(page, 2).click();
  await page.keyboard.press('ControlOrMeta+End');
  await expect(statusBar(page)).toContainText('Ln 4, Col 1');
  // The first group made narrower by dragging the separator between them.
  const evenWidth = await groupWidth(page, 1);
  const separator = (await page.locator('.editor-area .separator.vertical').boundingBox())!;
  await page.mouse.move(separator.x + separator.width / 2, separator.y + separator.height / 2);
  await page.mouse.down();
  await page.mouse.move(separator.x - 120, separator.y + separator.height / 2, { steps: 10 });
  await page.mouse.up();
  const narrowed = await groupWidth(page, 1);
  expect(narrowed).toBeLessThan(evenWidth - 80);
  await groupText(page, 2).click();
  await page.waitForTimeout(1500); // the state's save, a second after the last change

  await page.reload();
  await expect(groupTab(page, 2, 'helper.py')).toHaveAttribute('aria-selected', 'true', {
    timeout: 60_000,
  });
  await expect(groupTabs(page, 1)).toHaveCount(1);
  await expect(groupTab(page, 1, 'main.py')).toHaveAttribute('aria-selected', 'true');
  await expect(groupTabs(page, 2)).toHaveCount(2);
  await expect(groupText(page, 1)).toContainText('print("main")');
  await expect(groupText(page, 2)).toContainText('OTHER = 2');
  // The second group has focus again: the status bar shows its file's cursor.
  await expect(statusBar(page)).toContainText('Ln 4, Col 1');
  expect(Math.abs((await groupWidth(page, 1)) - narrowed)).toBeLessThan(8);
});
