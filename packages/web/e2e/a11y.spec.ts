/**
 * axe-core (WCAG 2.1 A/AA) on every page, with its dialogs and panels open: no serious or
 * critical violations. The admin view is checked in admin.spec.ts (it needs the admin).
 */
import type { Page } from '@playwright/test';

import {
  chooseFromAccountMenu,
  createWorkspace,
  editorText,
  expect,
  seriousA11yViolations,
  signUp,
  statusBar,
  terminalText,
  test,
} from './fixtures';

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

test('the login and register pages', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expectAccessible(page);
  await page.goto('/register');
  await expect(page.getByRole('button', { name: /create account/i })).toBeVisible();
  await expectAccessible(page);
});

test('the dashboard, its New workspace dialog and the profile page', async ({ page }) => {
  await signUp(page);
  await createWorkspace(page, 'Accessible');
  await page.goto('/');
  await expect(page.getByRole('list', { name: 'Workspaces' })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('button', { name: '+ New workspace' }).click();
  await expect(page.getByRole('dialog', { name: 'New workspace' })).toBeVisible();
  await expectAccessible(page);
  await page.keyboard.press('Escape');

  await page.goto('/profile');
  await expect(page.getByRole('heading', { name: 'Your profile', level: 1 })).toBeVisible();
  await expectAccessible(page);
});

test('the workspace: editor, terminal, problems, history and settings', async ({ page }) => {
  await signUp(page);
  const workspace = await createWorkspace(page, 'Accessible');
  await page.goto(`/w/${workspace}`);
  await expect(editorText(page)).toContainText('import numpy', { timeout: 60_000 });
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  await expectAccessible(page);

  await expect(statusBar(page).getByRole('button', { name: /^Problems:/ })).toBeVisible({
    timeout: 60_000,
  });
  await page.keyboard.press('Control+Shift+M');
  await expect(page.getByRole('region', { name: 'Problems' })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('button', { name: 'History' }).click();
  await expect(page.getByRole('dialog', { name: /^History of/ })).toBeVisible();
  await expectAccessible(page);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: /^History of/ })).toHaveCount(0);

  await chooseFromAccountMenu(page, 'Settings');
  await expect(page.getByRole('dialog', { name: /settings/i })).toBeVisible();
  await expectAccessible(page);
});

test('the workspace on a phone, each pane', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signUp(page);
  const workspace = await createWorkspace(page, 'Accessible');
  await page.goto(`/w/${workspace}`);
  await expect(editorText(page)).toContainText('import numpy', { timeout: 60_000 });
  await expectAccessible(page);
  const panes = page.getByRole('navigation', { name: 'Panes' });
  for (const pane of ['Files', 'Terminal']) {
    await panes.getByRole('button', { name: pane }).click();
    await expect(page.getByRole('region', { name: pane })).toBeVisible();
    await expectAccessible(page);
  }
});
