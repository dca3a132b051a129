/**
 * The Problems panel docked below the editor (Ctrl+Shift+M), kept true as files change in
 * the editor and in the terminal; and the phone layout: one pane at a time, chosen in a
 * tab bar along the bottom.
 */
import {
  createWorkspace,
  editorText,
  expect,
  fileContent,
  openWorkspace,
  replaceEditorContent,
  screenshot,
  signUp,
  statusBar,
  terminalText,
  test,
  typeInTerminal,
  writeFile,
} from './fixtures';

test('the Problems panel lists, jumps to and forgets problems, also after a terminal change', async ({
  page,
}) => {
  await signUp(page);
  const uuid = await createWorkspace(page, 'Problems', 'empty');
  await writeFile(page, uuid, 'util.py', 'def greet(name: str) -> str:\n    return name\n');
  await writeFile(
    page,
    uuid,
    'main.py',
    'from util import greet\n\ncount: int = 1\ncount = "one"\nprint(greet("a"))\n',
  );
  await openWorkspace(page, uuid);
  await expect(statusBar(page).getByRole('button', { name: /^Problems: 1 error/ })).toBeVisible({
    timeout: 60_000,
  });

  const problems = page.getByRole('region', { name: 'Problems' });
  await expect(problems).toBeHidden();
  await page.keyboard.press('Control+Shift+M');
  await expect(problems).toBeVisible();
  await expect(page.getByRole('tab', { name: /^Problems\s*1$/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  const typeError = problems.getByRole('button', { name: /Literal\['one'\]/ });
  await expect(typeError).toContainText('4:9');
  await expect(typeError).toBeFocused();
  await expect(problems.getByRole('button', { name: /main\.py/ })).toContainText('1');
  await screenshot(page, 'problems');

  await page.keyboard.press('Enter');
  await expect(statusBar(page)).toContainText('Ln 4, Col 9');
  await page.keyboard.press('Control+Shift+M');
  await expect(problems).toBeHidden();
  await expect(terminalText(page)).toBeVisible();

  // The status bar's count opens it too.
  await statusBar(page)
    .getByRole('button', { name: /^Problems: 1 error/ })
    .click();
  await expect(problems).toBeVisible();
  await replaceEditorContent(page, 'from util import greet\n\nprint(greet("a"))\n');
  await expect(problems).toContainText('No problems in the open files.');
  await expect(statusBar(page).getByRole('button', { name: /^Problems: 0 errors/ })).toBeVisible();

  // util.greet changes from the terminal to take an int: main.py's call is now wrong.
  await page.getByRole('tab', { name: 'Terminal', exact: true }).click();
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  await typeInTerminal(page, "sed -i 's/name: str/name: int/' util.py");
  await page.getByRole('tab', { name: /^Problems/ }).click();
  await expect(problems.getByRole('button', { name: /parameter "name"/ })).toContainText('3:13', {
    timeout: 30_000,
  });
});

test('diagnostics follow a restore from history and renames', async ({ page }) => {
  await signUp(page);
  const uuid = await createWorkspace(page, 'Renames', 'empty');
  const clean = 'from util import greet\n\nprint(greet("a"))\n';
  await writeFile(page, uuid, 'util.py', 'def greet(name: str) -> str:\n    return name\n');
  await writeFile(page, uuid, 'main.py', clean);
  await openWorkspace(page, uuid);
  await expect(statusBar(page)).toContainText('✓ Pyright', { timeout: 60_000 });
  const problems = page.getByRole('region', { name: 'Problems' });
  const count = (errors: number) =>
    statusBar(page).getByRole('button', { name: new RegExp(`^Problems: ${errors} error`) });
  await expect(count(0)).toBeVisible();

  // An error saved, then the version before it restored: the error goes.
  await replaceEditorContent(page, 'from util import greet\n\nprint(greet(1))\n');
  await expect(count(1)).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => fileContent(page, uuid, 'main.py')).toContain('greet(1)');
  await page.getByRole('button', { name: 'History' }).click();
  const history = page.getByRole('dialog', { name: 'History of main.py' });
  await history.getByRole('listbox', { name: 'Versions, newest first' }).focus();
  await page.keyboard.press('Enter');
  await history
    .getByRole('alertdialog', { name: 'Restore?' })
    .getByRole('button', { name: 'Restore', exact: true })
    .click();
  await expect(editorText(page)).toContainText('greet("a")');
  await expect(count(0)).toBeVisible({ timeout: 30_000 });

  // The imported module renamed away: main.py's import no longer resolves.
  await page.keyboard.press('Control+Shift+M');
  const item = (name: string) => page.getByRole('treeitem', { name, exact: true });
  await item('util.py').focus();
  await page.keyboard.press('F2');
  await page.getByRole('textbox', { name: 'Rename util.py' }).fill('helpers.py');
  await page.keyboard.press('Enter');
  await expect(
    problems.getByRole('button', { name: /Import "util" could not be resolved/ }),
  ).toContainText('1:6', { timeout: 30_000 });

  // The open file renamed: its problems are listed under its new name.
  await item('main.py').focus();
  await page.keyboard.press('F2');
  await page.getByRole('textbox', { name: 'Rename main.py' }).fill('app.py');
  await page.keyboard.press('Enter');
  await expect(problems.getByRole('button', { name: /^app\.py/ })).toBeVisible({
    timeout: 30_000,
  });
  await expect(problems.getByRole('button', { name: /^main\.py/ })).toHaveCount(0);
});

test('on a phone one pane shows at a time, switched in the tab bar', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signUp(page);
  const uuid = await createWorkspace(page, 'Phone', 'empty');
  await writeFile(page, uuid, 'main.py', 'print("hello")\n');
  await writeFile(page, uuid, 'notes.py', 'x = 1\n');
  await page.goto(`/w/${uuid}`);

  const panes = page.getByRole('navigation', { name: 'Panes' });
  const files = page.getByRole('region', { name: 'Files' });
  const editor = page.getByRole('region', { name: 'Editor' });
  const terminal = page.getByRole('region', { name: 'Terminal' });
  await expect(panes.getByRole('button', { name: 'Editor' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(editorText(page)).toContainText('hello');
  await expect(files).toBeHidden();
  await expect(terminal).toBeHidden();
  await screenshot(page, 'phone-editor');

  // Run shows the terminal, where the program's output is.
  await page.getByRole('group', { name: 'Run' }).getByRole('button', { name: '▶ Run' }).click();
  await expect(terminal).toBeVisible();
  await expect(editor).toBeHidden();
  await expect(panes.getByRole('button', { name: 'Terminal' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(terminalText(page)).toContainText('hello', { timeout: 30_000 });
  await panes.getByRole('button', { name: 'Editor' }).click();
  await expect(terminal).toBeHidden();
  await panes.getByRole('button', { name: 'Terminal' }).click();
  await expect(terminal).toBeVisible();
  await page.getByRole('tab', { name: 'Terminal 1' }).click();
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  await typeInTerminal(page, 'echo phone-$((6*7))');
  await expect(terminalText(page)).toContainText('phone-42');
  await screenshot(page, 'phone-terminal');

  await panes.getByRole('button', { name: 'Files' }).click();
  await expect(files).toBeVisible();
  await expect(terminal).toBeHidden();
  await screenshot(page, 'phone-files');
  await files.getByRole('treeitem', { name: 'notes.py', exact: true }).click();
  await expect(editor).toBeVisible();
  await expect(files).toBeHidden();
  await expect(panes.getByRole('button', { name: 'Editor' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(editorText(page)).toContainText('x = 1');
  await replaceEditorContent(page, 'y = 2\n');
  await expect(editorText(page)).toContainText('y = 2');

  // The terminal's session survived the switching.
  await panes.getByRole('button', { name: 'Terminal' }).click();
  await expect(terminalText(page)).toContainText('phone-42');
  // Nothing wider than the screen: the toolbar fits.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
});
