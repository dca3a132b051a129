/**
 * The admin view: the administrator named in ADMIN_USERS (playwright.config.ts) finds a
 * user by searching, disables them (their session ends), and sees it in the audit log.
 * Anyone else has no link to it and is sent away from it.
 */
import type { Page } from '@playwright/test';

import { baseURL, E2E_ADMIN } from '../playwright.config';
import {
  createWorkspace,
  expect,
  newUser,
  screenshot,
  seriousA11yViolations,
  signIn,
  signUp,
  test,
  type TestUser,
} from './fixtures';

const admin: TestUser = {
  username: E2E_ADMIN,
  email: `${E2E_ADMIN}@example.com`,
  password: 'correct horse battery',
};

/** The administrator exists from the first test that needs them (a retry signs in). */
async function signInAsAdmin(page: Page): Promise<void> {
  const registered = await page.request.post('/api/users/register', {
    data: admin,
    headers: { origin: baseURL },
  });
  if (registered.status() !== 201) await signIn(page, admin);
}

test('an administrator finds a user, disables them and sees the audit entry', async ({
  page,
  browser,
}) => {
  const theirs = await browser.newContext();
  const victimPage = await theirs.newPage();
  const victim = await signUp(victimPage, newUser('victim'));

  await signInAsAdmin(page);
  await page.goto('/');
  await page
    .getByRole('navigation', { name: 'Account' })
    .getByRole('link', { name: 'Administration' })
    .click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Administration', level: 1 })).toBeVisible();

  const users = page.getByRole('region', { name: 'Users' });
  await users.getByLabel('Search users').fill(victim.username);
  // The header row and the one user found.
  await expect(users.getByRole('row')).toHaveCount(2);
  const row = users.getByRole('row', { name: new RegExp(victim.username) });
  await row.getByRole('button', { name: `Disable ${victim.username}` }).click();
  await expect(row.getByRole('button', { name: `Enable ${victim.username}` })).toBeVisible();
  await expect(row.getByText('disabled', { exact: true })).toBeVisible();

  const entry = page
    .getByRole('region', { name: 'Audit log' })
    .getByRole('row')
    .filter({ hasText: victim.username });
  await expect(entry).toHaveCount(1);
  await expect(entry.getByRole('cell')).toHaveText([
    'just now',
    E2E_ADMIN,
    'disabled',
    `user ${victim.username}`,
  ]);
  // Their session ended with it.
  expect((await victimPage.request.get('/api/users/me')).status()).toBe(401);
  await theirs.close();

  expect(await seriousA11yViolations(page)).toEqual([]);
  await screenshot(page, 'admin');
});

test('running cells show what they use now, and an administrator stops one', async ({ page }) => {
  await signInAsAdmin(page);
  const name = `busy ${Date.now().toString(36)}`;
  const workspace = await createWorkspace(page, name, 'empty');
  const started = await page.request.post(`/api/workspace/${workspace}/start`, {
    headers: { origin: baseURL },
  });
  expect(started.status(), await started.text()).toBe(200);

  await page.goto('/admin');
  const cell = page.getByRole('region', { name: 'Running cells' }).getByRole('row', { name });
  // Memory and CPU as the cell's agent measured them, not dashes.
  await expect(cell.getByRole('cell').nth(3)).toHaveText(/\d+(\.\d+)? [KMG]?i?B/);
  await expect(cell.getByRole('cell').nth(4)).toHaveText(/\d+\.\d %/);

  const workspaces = page.getByRole('region', { name: 'Workspaces' });
  await workspaces.getByLabel('Search workspaces').fill(name);
  await expect(workspaces.getByRole('row')).toHaveCount(2);
  await workspaces.getByRole('button', { name: `Stop cell of ${name} (${E2E_ADMIN})` }).click();
  await expect(workspaces.getByRole('row', { name }).getByRole('cell').nth(2)).toHaveText(
    'stopped',
  );
  await expect(
    page.getByRole('region', { name: 'Running cells' }).getByRole('row', { name }),
  ).toHaveCount(0);
  await expect(
    page.getByRole('region', { name: 'Audit log' }).getByRole('row').filter({ hasText: name }),
  ).toContainText(['stopped the cell of']);
});

test('anyone else has no link to the admin view and is sent away from it', async ({ page }) => {
  await signUp(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Your workspaces' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Administration' })).toHaveCount(0);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/$/);
  expect((await page.request.get('/api/admin/audit')).status()).toBe(403);
});
