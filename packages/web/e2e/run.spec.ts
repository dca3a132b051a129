/**
 * Running the active file as a user does it: ▶ Run and F5 save and run it in its own
 * terminal tab, `Run: <file>`, reused for its next run; Stop ends it; a traceback's line
 * is a link to the file at that line; a run configuration gives arguments and variables.
 * A finished run's tab keeps its output and exit code across a reload.
 */
import type { Page } from '@playwright/test';

import {
  editorText,
  expect,
  openScript,
  replaceEditorContent,
  screenshot,
  statusBar,
  terminalText,
  test,
  typeInTerminal,
  writeFile,
} from './fixtures';

const terminalTabs = (page: Page) => page.getByRole('tablist', { name: 'Terminals' });
const runTab = (page: Page) => terminalTabs(page).getByRole('tab', { name: /^Run: script\.py/ });
const runControls = (page: Page) => page.getByRole('group', { name: 'Run' });

test('F5 right after typing runs the new content, twice, in one Run tab with exit code and duration', async ({
  page,
}) => {
  await openScript(page);
  await replaceEditorContent(page, 'print("first", 1 + 1)\n');
  await page.keyboard.press('F5');
  await expect(runTab(page)).toHaveAttribute('aria-selected', 'true', { timeout: 30_000 });
  await expect(terminalText(page)).toContainText('first 2', { timeout: 30_000 });
  await expect(runTab(page)).toContainText(/✓.*exit 0 · \d+\.\d s/);

  await replaceEditorContent(page, 'print("second", 2 + 2)\nraise SystemExit(3)\n');
  await page.keyboard.press('F5');
  await expect(terminalText(page)).toContainText('second 4', { timeout: 30_000 });
  // The same tab, with the new run's output only.
  await expect(terminalTabs(page).getByRole('tab')).toHaveCount(2);
  await expect(terminalText(page)).not.toContainText('first 2');
  await expect(runTab(page)).toContainText(/✗.*exit 3 · \d+\.\d s/);
});

test('a finished run keeps its output and exit code across a reload', async ({ page }) => {
  await openScript(page);
  await replaceEditorContent(page, 'print("kept", 3 * 3)\n');
  await page.keyboard.press('F5');
  await expect(terminalText(page)).toContainText('kept 9', { timeout: 30_000 });
  await expect(runTab(page)).toContainText(/✓.*exit 0 · \d+\.\d s/);

  await page.reload();
  await expect(runTab(page)).toHaveAttribute('aria-selected', 'true', { timeout: 30_000 });
  await expect(terminalText(page)).toContainText('kept 9', { timeout: 30_000 });
  await expect(terminalText(page)).toContainText('[script.py exited with code 0]');
  await expect(runTab(page)).toContainText(/✓.*exit 0 · \d+\.\d s/);
});

test('Run with a REPL open in the active terminal still runs the file in its Run tab', async ({
  page,
}) => {
  await openScript(page);
  await typeInTerminal(page, 'python3 -q');
  await expect(terminalText(page)).toContainText('>>>', { timeout: 30_000 });
  await replaceEditorContent(page, 'print("ran", 6 * 7)\n');
  await runControls(page).getByRole('button', { name: '▶ Run' }).click();
  await expect(runTab(page)).toHaveAttribute('aria-selected', 'true', { timeout: 30_000 });
  await expect(terminalText(page)).toContainText('ran 42', { timeout: 30_000 });
  // The REPL never saw it and still answers.
  await terminalTabs(page).getByRole('tab', { name: 'Terminal 1' }).click();
  await expect(terminalText(page)).not.toContainText('ran 42');
  await typeInTerminal(page, '3 * 7');
  await expect(terminalText(page)).toContainText('21');
});

test('Stop ends `while True: pass`', async ({ page }) => {
  await openScript(page);
  await replaceEditorContent(page, 'print("looping", flush=True)\nwhile True: pass\n');
  await page.keyboard.press('F5');
  await expect(terminalText(page)).toContainText('looping', { timeout: 30_000 });
  await expect(runTab(page)).toContainText('running');
  const stop = runControls(page).getByRole('button', { name: 'Stop' });
  await expect(stop).toBeEnabled();
  await stop.click();
  await expect(terminalText(page)).toContainText('KeyboardInterrupt', { timeout: 5000 });
  await expect(runTab(page)).toContainText(/✗/);
  await expect(stop).toBeDisabled();
  await expect(
    page.getByRole('region', { name: 'Terminal' }).getByRole('button', { name: 'Stop' }),
  ).toBeDisabled();
});

test('clicking a traceback line opens the file at that line', async ({ page }) => {
  const workspace = await openScript(page);
  await writeFile(
    page,
    workspace,
    'pkg/helper.py',
    'def divide(a, b):\n    x = a\n    return x / b\n',
  );
  await replaceEditorContent(page, 'from pkg.helper import divide\n\nprint(divide(1, 0))\n');
  await page.keyboard.press('F5');
  const traceLine = terminalText(page)
    .locator('div')
    .filter({ hasText: 'File "/app/pkg/helper.py", line 3' });
  await expect(traceLine).toBeVisible({ timeout: 30_000 });
  await expect(terminalText(page)).toContainText('ZeroDivisionError');
  await screenshot(page, 'run-traceback');
  // A user points at the link (xterm underlines it), then clicks.
  const box = (await traceLine.boundingBox())!;
  await page.mouse.move(box.x + 60, box.y + box.height / 2);
  await page.mouse.click(box.x + 60, box.y + box.height / 2);
  await expect(page.getByRole('tab', { name: /helper\.py/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(statusBar(page)).toContainText('Ln 3, Col 1');
  await expect(editorText(page)).toContainText('return x / b');
});

test('a run configuration gives the file its arguments and environment variables', async ({
  page,
}) => {
  await openScript(page);
  await replaceEditorContent(
    page,
    'import os, sys\nprint("args", sys.argv[1:])\nprint("greeting", os.environ["GREETING"])\n',
  );
  await runControls(page).getByRole('button', { name: 'Run configuration…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run configuration: script.py' });
  await dialog.getByLabel('Arguments').fill(`one "two words"`);
  await dialog.getByLabel(/Environment variables/).fill('GREETING=hello there');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);
  await page.keyboard.press('F5');
  await expect(terminalText(page)).toContainText("args ['one', 'two words']", {
    timeout: 30_000,
  });
  await expect(terminalText(page)).toContainText('greeting hello there');
  // Remembered: the dialog shows it again after a reload.
  await page.reload();
  await runControls(page).getByRole('button', { name: 'Run configuration…' }).click();
  await expect(dialog.getByLabel('Arguments')).toHaveValue(`one 'two words'`);
});
