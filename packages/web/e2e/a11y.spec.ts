/** axe-core (WCAG 2.1 A/AA) on the main screens: no serious or critical violations. */
import { createWorkspace, expect, seriousA11yViolations, signUp, test } from './fixtures';

test('the login page', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect(await seriousA11yViolations(page)).toEqual([]);
});

test('the dashboard', async ({ page }) => {
  await signUp(page);
  await createWorkspace(page, 'Accessible');
  await page.goto('/');
  await expect(page.getByRole('list', { name: 'Workspaces' })).toBeVisible();
  expect(await seriousA11yViolations(page)).toEqual([]);
});

test('the workspace', async ({ page }) => {
  await signUp(page);
  const workspace = await createWorkspace(page, 'Accessible');
  await page.goto(`/w/${workspace}`);
  await expect(page.locator('.monaco-editor .view-lines').first()).toContainText('import numpy');
  await expect(page.getByRole('tabpanel').locator('.xterm-rows')).toContainText('$', {
    timeout: 30_000,
  });
  expect(await seriousA11yViolations(page)).toEqual([]);
});
