/**
 * The terminal panel as a user notices it: several named terminals that keep their output
 * across a reload, closing one, Run and F5, and a network drop the page recovers from.
 */
import type { Page } from '@playwright/test';

import {
  expect,
  fileContent,
  openScript,
  replaceEditorContent,
  screenshot,
  signUpInWorkspace,
  statusBar,
  terminalText,
  test,
  typeInTerminal,
} from './fixtures';

const terminalTabs = (page: Page) => page.getByRole('tablist', { name: 'Terminals' });
const terminalTab = (page: Page, name: string) =>
  terminalTabs(page).getByRole('tab', { name, exact: true });

test('a second terminal, renamed; both keep their output across a reload; closing one', async ({
  page,
}) => {
  await signUpInWorkspace(page, 'Terminals');

  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  await typeInTerminal(page, 'echo first-$((2+3))');
  await expect(terminalText(page)).toContainText('first-5');

  await page.getByRole('button', { name: 'New terminal' }).click();
  await expect(terminalTab(page, 'Terminal 2')).toHaveAttribute('aria-selected', 'true');
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  await typeInTerminal(page, 'echo second-$((3*3))');
  await expect(terminalText(page)).toContainText('second-9');
  await expect(terminalText(page)).not.toContainText('first-5');

  await page.getByRole('button', { name: 'Rename terminal' }).click();
  const name = page.getByRole('textbox', { name: 'New name for Terminal 2' });
  await name.fill('build');
  await name.press('Enter');
  await expect(terminalTab(page, 'build')).toHaveAttribute('aria-selected', 'true');
  await expect(terminalTab(page, 'Terminal 2')).toHaveCount(0);
  await screenshot(page, 'terminal-two-tabs');

  // After a reload both tabs, their names and their screens are back.
  await page.reload();
  await expect(terminalTabs(page).getByRole('tab')).toHaveCount(2, { timeout: 60_000 });
  await terminalTab(page, 'build').click();
  await expect(terminalText(page)).toContainText('second-9', { timeout: 30_000 });
  await terminalTab(page, 'Terminal 1').click();
  await expect(terminalText(page)).toContainText('first-5', { timeout: 30_000 });

  // Closing one leaves the other, still working.
  await terminalTab(page, 'build').click();
  await page.getByRole('button', { name: 'Close terminal' }).click();
  await expect(terminalTabs(page).getByRole('tab')).toHaveCount(1);
  await expect(terminalTab(page, 'Terminal 1')).toHaveAttribute('aria-selected', 'true');
  await typeInTerminal(page, 'echo still-$((6*7))');
  await expect(terminalText(page)).toContainText('still-42');
  // Closed means gone for good, not back after a reload.
  await page.reload();
  await expect(terminalTab(page, 'Terminal 1')).toBeVisible({ timeout: 60_000 });
  await expect(terminalTabs(page).getByRole('tab')).toHaveCount(1);
});

test('Run and F5 run the file; after a network drop the page reconnects, the terminal works and an offline edit is saved', async ({
  page,
  context,
  consoleErrors,
}) => {
  const workspace = await openScript(page);
  await expect(statusBar(page)).toContainText('Connected');

  // Run, and F5 from inside the editor straight after an edit: both save, then run (in
  // the file's own terminal tab, see run.spec.ts).
  await replaceEditorContent(page, 'print("by button", 6 * 7)\n');
  await page.getByRole('button', { name: '▶ Run' }).click();
  await expect(terminalText(page)).toContainText('by button 42', { timeout: 30_000 });
  await replaceEditorContent(page, 'print("by F5", 7 * 8)\n');
  await page.keyboard.press('F5');
  await expect(terminalText(page)).toContainText('by F5 56', { timeout: 30_000 });
  expect(await fileContent(page, workspace, 'script.py')).toBe('print("by F5", 7 * 8)\n');
  await terminalTab(page, 'Terminal 1').click();

  // setOffline makes Chromium report navigator.onLine = false and fire the window's
  // 'offline' event; the socket drops its connection on that event (connection/socket.ts),
  // whether or not the emulation would have cut the open WebSocket itself.
  await context.setOffline(true);
  await expect(statusBar(page)).toContainText(/Offline|Reconnecting/);
  await expect(statusBar(page)).not.toContainText('Connected');
  await expect(page.getByRole('tabpanel', { name: 'Terminal 1' })).toContainText('Reconnecting…');

  // An edit made while offline (autosave is on): its save cannot go out yet.
  await replaceEditorContent(page, 'print("written offline")\n');
  await expect(statusBar(page)).toContainText(/Save failed|Saving|Unsaved/);
  expect(await fileContent(page, workspace, 'script.py')).not.toContain('written offline');

  await context.setOffline(false);
  await expect(statusBar(page)).toContainText('Connected', { timeout: 30_000 });
  // The terminal re-attaches after the socket: until then it says "Reconnecting…" and
  // discards keys (on purpose, see TerminalView), so a user waits for that to go.
  await expect(page.getByRole('tabpanel', { name: 'Terminal 1' }).getByRole('status')).toHaveCount(
    0,
  );
  await typeInTerminal(page, 'echo back-$((40+2))');
  await expect(terminalText(page)).toContainText('back-42', { timeout: 30_000 });
  // The save retries by itself (backoff) once the network is back.
  await expect
    .poll(() => fileContent(page, workspace, 'script.py'), { timeout: 45_000 })
    .toBe('print("written offline")\n');
  await expect(statusBar(page)).toContainText('Saved');

  // The browser logs the requests the network drop made fail; those were expected.
  const expected = /ERR_INTERNET_DISCONNECTED|WebSocket connection to .* failed/;
  const unexpected = consoleErrors.filter((error) => !expected.test(error));
  consoleErrors.splice(0, consoleErrors.length, ...unexpected);
});
