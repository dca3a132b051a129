/**
 * Python IntelliSense against the real language server: a completion list from pyright, a
 * squiggle for an undefined name that is also in the Problems list, and both gone once the
 * code is fixed.
 */
import {
  createWorkspace,
  editorText,
  expect,
  openWorkspace,
  replaceEditorContent,
  screenshot,
  signUp,
  statusBar,
  test,
} from './fixtures';

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
  await expect(problem).toContainText('script.py:1');
  await screenshot(page, 'intellisense-problems');
  await problem.click();
  await expect(statusBar(page)).toContainText('Ln 1, Col 7');

  await replaceEditorContent(page, 'undefined_name = 1\nprint(undefined_name)\n');
  await expect(page.locator('.monaco-editor .squiggly-error')).toHaveCount(0);
  await expect(problems).toContainText('No problems in the open files.');
  await expect(statusBar(page).getByRole('button', { name: /^Problems: 0 errors/ })).toBeVisible();
});
