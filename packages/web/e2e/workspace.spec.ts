/**
 * The workspace as a user works in it: edit with autosave, run in the terminal, files from
 * the tree and from the terminal, a reload that loses nothing, a conflict, settings that
 * persist, and logging out.
 */
import {
  chooseFromAccountMenu,
  createWorkspaceInWizard,
  editorText,
  expect,
  fileContent,
  replaceEditorContent,
  screenshot,
  signUp,
  statusBar,
  terminalText,
  test,
  typeInTerminal,
} from './fixtures';

test('edit, autosave, run, files from the tree and the terminal, reload, conflict, settings, logout', async ({
  page,
}) => {
  await signUp(page);
  const workspace = await createWorkspaceInWizard(page, 'Numbers', 'Hello numpy');

  // The template's script opens by itself; the cell comes up.
  await expect(page.getByRole('tab', { name: /script\.py/ })).toBeVisible();
  await expect(editorText(page)).toContainText('import numpy');
  await expect(statusBar(page)).toContainText('✓ Ready', { timeout: 30_000 });
  await expect(statusBar(page)).toContainText(/Python 3\.\d+/);

  // Edit; autosave stores it about a second later.
  await replaceEditorContent(
    page,
    'import numpy as np\nprint("sum is", int(np.arange(7).sum()) * 2)\n',
  );
  await expect(statusBar(page)).toContainText('Saved');
  await expect
    .poll(() => fileContent(page, workspace, 'script.py'))
    .toContain('np.arange(7).sum()');

  // Run (F5) runs the file in its own terminal tab.
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  await page.getByRole('button', { name: '▶ Run' }).click();
  await expect(terminalText(page)).toContainText('sum is 42', { timeout: 30_000 });
  await screenshot(page, 'workspace');

  // A nested file from the tree.
  await page.getByRole('button', { name: 'New File' }).click();
  await page.getByRole('textbox', { name: /name/i }).fill('pkg/util.py');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('treeitem', { name: 'pkg' })).toBeVisible();
  await expect(page.getByRole('treeitem', { name: 'util.py' })).toBeVisible();
  await expect(page.getByRole('tab', { name: /util\.py/ })).toBeVisible();
  expect(await fileContent(page, workspace, 'pkg/util.py')).toBe('');

  // A file written in the terminal appears in the tree.
  await page.getByRole('tab', { name: 'Terminal 1' }).click();
  await typeInTerminal(page, "echo 'x = 1' > from_terminal.py");
  await expect(page.getByRole('treeitem', { name: 'from_terminal.py' })).toBeVisible();

  // Reload: the terminal's screen and the edits are still there.
  await page.reload();
  await expect(terminalText(page)).toContainText("echo 'x = 1' > from_terminal.py");
  await page.getByRole('tab', { name: /^script\.py/ }).click();
  await expect(editorText(page)).toContainText('np.arange(7).sum()');

  // Autosave off; an unsaved edit, then the terminal rewrites the file: the user is told,
  // and saving shows both versions.
  await page.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: /settings/i });
  await settings.getByLabel('Autosave').uncheck();
  await settings.getByRole('button', { name: 'Done' }).click();
  await replaceEditorContent(page, 'print("mine")\n');
  await expect(statusBar(page)).toContainText('Unsaved');
  await typeInTerminal(page, `echo 'print("theirs")' > script.py`);
  await expect(page.getByText(/changed on disk/)).toBeVisible();
  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+S');
  const conflict = page.getByRole('dialog', { name: /changed/ });
  await expect(conflict).toContainText('theirs');
  await expect(conflict).toContainText('mine');
  await screenshot(page, 'conflict');
  await conflict.getByRole('button', { name: 'Keep mine' }).click();
  await expect.poll(() => fileContent(page, workspace, 'script.py')).toBe('print("mine")\n');

  // Vim mode and a theme, kept on the server across a reload.
  await page.getByRole('button', { name: 'Settings' }).click();
  await settings.getByLabel('Vim mode').check();
  await settings.getByLabel('Theme').selectOption('solarized-light');
  await settings.getByLabel('Autosave').check();
  await screenshot(page, 'settings');
  await settings.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByText(/--\s?NORMAL\s?--/)).toBeVisible();
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'solarized-light');
  await expect(page.getByText(/--\s?NORMAL\s?--/)).toBeVisible();

  await page.getByRole('link', { name: /back to your workspaces/ }).click();
  await chooseFromAccountMenu(page, 'Sign out');
  await expect(page).toHaveURL(/\/login/);
});
