/** axe-core (WCAG 2.1 A/AA) on the main screens: no serious or critical violations. */
import {
  createWorkspace,
  editorText,
  expect,
  openWorkspace,
  seriousA11yViolations,
  signUp,
  terminalText,
  test,
} from './fixtures';

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
  await openWorkspace(page, workspace);
  await expect(editorText(page)).toContainText('import numpy');
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  expect(await seriousA11yViolations(page)).toEqual([]);
});
