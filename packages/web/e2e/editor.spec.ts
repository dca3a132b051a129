/**
 * The editor as a user notices it: tabs that mark unsaved edits, a clean file rewritten
 * in the terminal reloading by itself, the file's history as a timeline with restore,
 * unsaved edits offered back after a reload, and the image and CSV viewers.
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
  seriousA11yViolations,
  signUp,
  signUpInWorkspace,
  statusBar,
  terminalText,
  test,
  typeInTerminal,
  writeFile,
} from './fixtures';

const tab = (page: Page, name: string) =>
  page
    .getByRole('tablist', { name: 'Open files' })
    .getByRole('tab', { name: new RegExp(`^${name}`) });

/** Saves the active file with Ctrl+S from inside the editor. */
async function save(page: Page) {
  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+S');
}

// A 3 × 2 pixel PNG.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAFUlEQVR4nGP4z8DA0PCf4QQDA5wFAELWBo3yCBgpAAAAAElFTkSuQmCC',
  'base64',
);

test('tabs mark unsaved edits, a clean file follows the terminal, history restores, unsaved edits survive a reload', async ({
  page,
}) => {
  await signUp(page);
  // Saving by hand, so edits stay unsaved for as long as the test needs.
  await patchSettings(page, { autosave: false });
  const workspace = await createWorkspace(page, 'Tabs');
  await writeFile(page, workspace, 'helper.py', 'VALUE = 1\n');
  await openWorkspace(page, workspace);

  await expect(tab(page, 'script\\.py')).toBeVisible();
  await page.getByRole('treeitem', { name: 'helper.py' }).click();
  await expect(tab(page, 'helper\\.py')).toHaveAttribute('aria-selected', 'true');
  await expect(editorText(page)).toContainText('VALUE = 1');
  await expect(page.getByRole('tablist', { name: 'Open files' }).getByRole('tab')).toHaveCount(2);

  // An edit marks its own tab only.
  await replaceEditorContent(page, 'VALUE = 2\n');
  await expect(tab(page, 'helper\\.py')).toHaveAccessibleName('helper.py (unsaved)');
  await expect(tab(page, 'script\\.py')).toHaveAccessibleName('script.py');
  await expect(statusBar(page)).toContainText('● Unsaved');
  await tab(page, 'script\\.py').click();
  await expect(editorText(page)).toContainText('import numpy');
  await replaceEditorContent(page, 'print("draft survives")\n');
  await expect(tab(page, 'script\\.py')).toHaveAccessibleName('script.py (unsaved)');
  await expect(tab(page, 'helper\\.py')).toHaveAccessibleName('helper.py (unsaved)');
  await screenshot(page, 'editor-two-tabs');

  // Saving clears the mark.
  await tab(page, 'helper\\.py').click();
  await save(page);
  await expect(tab(page, 'helper\\.py')).toHaveAccessibleName('helper.py');
  await expect.poll(() => fileContent(page, workspace, 'helper.py')).toBe('VALUE = 2\n');

  // The terminal rewrites the clean file: the editor just shows the new text.
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  await typeInTerminal(page, "echo 'VALUE = 3' > helper.py");
  await expect(editorText(page)).toContainText('VALUE = 3');
  await expect(page.getByText(/changed on disk/)).toHaveCount(0);
  await expect(tab(page, 'helper\\.py')).toHaveAccessibleName('helper.py');

  // Each overwrite kept the text before it: the timeline says who made each version and
  // compares the selected one (at first the newest) with the terminal's text now.
  await page.getByRole('button', { name: 'History' }).click();
  const history = page.getByRole('dialog', { name: 'History of helper.py' });
  const versions = history.getByRole('listbox', { name: 'Versions, newest first' });
  const today = versions.getByRole('group', { name: 'Today' });
  await expect(today.getByRole('option')).toHaveCount(2);
  await expect(today.getByRole('option').first()).toContainText('Saved in the editor');
  const diff = history.locator('.diff-view');
  await expect(diff).toContainText('VALUE = 2');
  await expect(diff).toContainText('VALUE = 3');
  await screenshot(page, 'history');
  expect(await seriousA11yViolations(page)).toEqual([]);
  // The oldest, chosen and restored from the keyboard, with a confirmation.
  await versions.focus();
  await page.keyboard.press('ArrowDown');
  await expect(diff).toContainText('VALUE = 1');
  await page.keyboard.press('Enter');
  await history
    .getByRole('alertdialog', { name: 'Restore?' })
    .getByRole('button', { name: 'Restore', exact: true })
    .click();
  await expect(history).toBeHidden();
  await expect(editorText(page)).toContainText('VALUE = 1');
  await expect(tab(page, 'helper\\.py')).toHaveAccessibleName('helper.py');
  await expect.poll(() => fileContent(page, workspace, 'helper.py')).toBe('VALUE = 1\n');

  // script.py's edit was never saved; after a reload it is offered back.
  expect(await fileContent(page, workspace, 'script.py')).not.toContain('draft survives');
  await page.reload();
  await tab(page, 'script\\.py').click();
  await expect(page.getByText(/Restore unsaved changes to script\.py/)).toBeVisible();
  await expect(editorText(page)).toContainText('import numpy');
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(editorText(page)).toContainText('draft survives');
  await expect(tab(page, 'script\\.py')).toHaveAccessibleName('script.py (unsaved)');
  await save(page);
  await expect
    .poll(() => fileContent(page, workspace, 'script.py'))
    .toBe('print("draft survives")\n');
});

test('an uploaded image shows as a picture, a CSV as a table with a Text toggle', async ({
  page,
}) => {
  await signUpInWorkspace(page, 'Viewers', 'pandas-csv');

  await page
    .getByLabel('Files to upload')
    .setInputFiles({ name: 'pixels.png', mimeType: 'image/png', buffer: png });
  await page.getByRole('treeitem', { name: 'pixels.png' }).click();
  const image = page.getByRole('img', { name: 'pixels.png' });
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(3);
  await expect(page.getByText('3 × 2 px')).toBeVisible();
  // Nothing to run or edit: Run is off for an image.
  await expect(page.getByRole('button', { name: '▶ Run' })).toBeDisabled();

  await page.getByRole('treeitem', { name: 'data' }).click();
  await page.getByRole('treeitem', { name: 'sales.csv' }).click();
  const table = page.getByRole('region', { name: 'sales.csv as a table' });
  await expect(table.getByRole('columnheader', { name: 'region' })).toBeVisible();
  await expect(table.getByRole('row')).toHaveCount(21);
  await expect(table.getByRole('row').nth(1)).toContainText('2024-01-03');
  await expect(table.getByRole('row').nth(1)).toContainText('Widget');

  const showAs = page.getByRole('group', { name: 'Show as' });
  await showAs.getByRole('button', { name: 'Text' }).click();
  await expect(showAs.getByRole('button', { name: 'Text' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(table).toBeHidden();
  await expect(editorText(page)).toContainText('date,region,product,units,price');
  await showAs.getByRole('button', { name: 'Table' }).click();
  await expect(table).toBeVisible();
});
