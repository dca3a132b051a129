/**
 * Two editor groups as a user notices them: Ctrl+\ shows the file beside itself and typing
 * in one shows in the other, tabs dragged or moved with Ctrl+Alt+Left between the groups,
 * and two files compared side by side in a tab of their own, from the editor or from the
 * file tree's context menu.
 */
import type { Page } from '@playwright/test';

import {
  chooseFromTreeMenu,
  createWorkspace,
  expect,
  groupTabs,
  groupText,
  openTreeMenu,
  openWorkspace,
  screenshot,
  seriousA11yViolations,
  signUp,
  statusBar,
  test,
  treeItem,
  writeFile,
} from './fixtures';

const tab = (page: Page, n: number, name: string) =>
  page
    .getByRole('tablist', { name: `Editor group ${n}` })
    .getByRole('tab', { name: new RegExp(`^${name}`) });

test('split the editor, type in one group and see it in the other, move tabs between groups', async ({
  page,
}) => {
  await signUp(page);
  const workspace = await createWorkspace(page, 'Split');
  await writeFile(page, workspace, 'helper.py', 'VALUE = 1\n');
  await openWorkspace(page, workspace);
  await expect(page.getByRole('tablist', { name: 'Open files' })).toBeVisible();

  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('ControlOrMeta+\\');
  await expect(tab(page, 1, 'script\\.py')).toBeVisible();
  await expect(tab(page, 2, 'script\\.py')).toHaveAttribute('aria-selected', 'true');

  // One document in two editors: what is typed in group 2 shows in group 1.
  await groupText(page, 2).click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.insertText('\nshared_edit = 42\n');
  await expect(groupText(page, 1)).toContainText('shared_edit = 42');

  // Files open in the focused group.
  await page.getByRole('treeitem', { name: 'helper.py' }).click();
  await expect(tab(page, 2, 'helper\\.py')).toHaveAttribute('aria-selected', 'true');
  await expect(groupText(page, 2)).toContainText('VALUE = 1');
  await expect(groupTabs(page, 1)).toHaveCount(1);
  await expect(statusBar(page)).toContainText('Ln 1, Col 1');

  // The status bar's cursor follows the group that has focus.
  await groupText(page, 1).click();
  await page.keyboard.press('ControlOrMeta+End');
  await expect(statusBar(page)).not.toContainText('Ln 1, Col 1');
  await groupText(page, 2).click();

  await screenshot(page, 'split-editor');
  expect(await seriousA11yViolations(page)).toEqual([]);

  // Dragged from group 2 into group 1.
  await tab(page, 2, 'helper\\.py').dragTo(tab(page, 1, 'script\\.py'));
  await expect(tab(page, 1, 'helper\\.py')).toHaveAttribute('aria-selected', 'true');
  await expect(groupTabs(page, 1)).toHaveCount(2);
  await expect(groupTabs(page, 2)).toHaveCount(1);

  // Ctrl+Alt+Left moves group 2's last tab into group 1, and group 2 closes.
  await tab(page, 2, 'script\\.py').click();
  await page.keyboard.press('ControlOrMeta+Alt+ArrowLeft');
  await expect(page.getByRole('tablist', { name: 'Open files' }).getByRole('tab')).toHaveCount(2);
  await expect(page.locator('.editor-group')).toHaveCount(1);

  // And Ctrl+Alt+Right moves the active tab into a new group on the right.
  await page.getByRole('tablist', { name: 'Open files' }).getByRole('tab').first().click();
  await page.keyboard.press('ControlOrMeta+Alt+ArrowRight');
  await expect(groupTabs(page, 1)).toHaveCount(1);
  await expect(groupTabs(page, 2)).toHaveCount(1);
});

/** The comparison tab shows `original` on the left, `modified` on the right, the change marked. */
async function expectComparison(page: Page, original: string, modified: string) {
  const diff = page.locator('.diff-view');
  await expect(diff.locator('.editor.original')).toContainText(original);
  await expect(diff.locator('.editor.modified')).toContainText(modified);
  // Monaco marks the changed line on both sides.
  await expect(diff.locator('.line-delete').first()).toBeVisible();
  await expect(diff.locator('.line-insert').first()).toBeVisible();
}

test('compares two files side by side with the difference highlighted', async ({ page }) => {
  await signUp(page);
  const workspace = await createWorkspace(page, 'Compare');
  await writeFile(page, workspace, 'a.py', 'x = 1\ny = 2\n');
  await writeFile(page, workspace, 'b.py', 'x = 1\ny = 3\n');
  await openWorkspace(page, workspace);

  await page.getByRole('treeitem', { name: 'b.py' }).click();
  await page.getByRole('treeitem', { name: 'a.py' }).click();
  await expect(page.getByRole('tab', { name: /^a\.py/ })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('button', { name: 'Compare with…' }).click();
  const picker = page.getByRole('dialog', { name: 'Compare a.py with…' });
  await picker.getByRole('button', { name: 'b.py' }).click();

  await expect(page.getByRole('tab', { name: /^a\.py ↔ b\.py/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expectComparison(page, 'y = 2', 'y = 3');
  await screenshot(page, 'diff-two-files');
  expect(await seriousA11yViolations(page)).toEqual([]);
});

test('compares two files chosen in the file tree: Select for Compare, Compare with Selected, Compare Selected', async ({
  page,
}) => {
  await signUp(page);
  const workspace = await createWorkspace(page, 'Tree compare');
  await writeFile(page, workspace, 'a.py', 'x = 1\ny = 2\n');
  await writeFile(page, workspace, 'b.py', 'x = 1\ny = 3\n');
  await writeFile(page, workspace, 'c.py', 'x = 1\ny = 4\n');
  await openWorkspace(page, workspace);

  await chooseFromTreeMenu(page, 'a.py', 'Select for Compare');
  // Compare with Selected is in b.py's menu now, reached by keyboard like every item.
  await treeItem(page, 'b.py').focus();
  await page.keyboard.press('Shift+F10');
  const compareWithSelected = page
    .getByRole('menu', { name: 'Actions for b.py' })
    .getByRole('menuitem', { name: 'Compare with Selected' });
  await expect(compareWithSelected).toBeVisible();
  for (let presses = 0; presses < 10; presses++) {
    if (await compareWithSelected.evaluate((item) => item === document.activeElement)) break;
    await page.keyboard.press('ArrowDown');
  }
  await expect(compareWithSelected).toBeFocused();
  await screenshot(page, 'tree-compare-menu');
  await page.keyboard.press('Enter');

  await expect(page.getByRole('tab', { name: /^a\.py ↔ b\.py/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expectComparison(page, 'y = 2', 'y = 3');
  await screenshot(page, 'tree-compare-diff');

  // Two files selected with Ctrl+click: Compare Selected, the first selected as the original.
  await treeItem(page, 'c.py').locator(':scope > .tree-row').click();
  await treeItem(page, 'a.py')
    .locator(':scope > .tree-row')
    .click({ modifiers: ['ControlOrMeta'] });
  await openTreeMenu(page, 'a.py');
  await page.getByRole('menuitem', { name: 'Compare Selected', exact: true }).click();
  await expect(page.getByRole('tab', { name: /^c\.py ↔ a\.py/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expectComparison(page, 'y = 4', 'y = 2');
  expect(await seriousA11yViolations(page)).toEqual([]);
});
