/** Signing up, in and out, and managing workspaces from the dashboard, as a new user would. */
import {
  chooseFromAccountMenu,
  createWorkspaceInWizard,
  expect,
  newUser,
  screenshot,
  signUp,
  test,
} from './fixtures';

test('a new user registers with inline validation, lands on an empty dashboard and logs out', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await screenshot(page, 'login');

  await page.getByRole('link', { name: 'Create an account' }).click();
  const user = newUser('reg');
  const username = page.getByLabel('Username');
  await username.fill('ab');
  await username.blur();
  await expect(page.getByText('use 3 to 32 letters, digits, _ or -')).toBeVisible();
  await username.fill(user.username);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await screenshot(page, 'register');
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page.getByRole('heading', { name: 'Your workspaces' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'No workspaces yet' })).toBeVisible();
  await chooseFromAccountMenu(page, 'Sign out');
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('a wrong password is told apart, and the right one signs in (by email too)', async ({
  page,
  browser,
}) => {
  const context = await browser.newContext();
  const user = await signUp(await context.newPage());
  await context.close();

  await page.goto('/login');
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong username, email or password');
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel('Username or email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Your workspaces' })).toBeVisible();
});

test('workspaces are created from a template, found by search, renamed and deleted', async ({
  page,
}) => {
  await signUp(page);
  await createWorkspaceInWizard(page, 'Sales report', 'pandas CSV analysis');
  await expect(page.getByRole('treeitem', { name: /analysis\.py/ })).toBeVisible();

  await page.goto('/');
  await page.getByRole('button', { name: '+ New workspace' }).click();
  await page.getByRole('dialog', { name: 'New workspace' }).getByLabel('Name').fill('Scratch');
  await page
    .getByRole('dialog', { name: 'New workspace' })
    .getByRole('button', {
      name: 'Create workspace',
    })
    .click();
  await expect(page).toHaveURL(/\/w\//);
  await page.goto('/');

  const list = page.getByRole('list', { name: 'Workspaces' });
  await expect(list.getByRole('listitem')).toHaveCount(2);
  // Most recently opened first.
  await expect(list.getByRole('listitem').first()).toContainText('Scratch');
  await screenshot(page, 'dashboard');

  await page.getByLabel('Search workspaces').fill('sales');
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await page.getByLabel('Search workspaces').fill('');

  await page.getByRole('button', { name: 'Rename Sales report' }).click();
  const rename = page.getByRole('dialog');
  await rename.getByLabel('Name').fill('Quarterly sales');
  await rename.getByRole('button', { name: /rename/i }).click();
  await expect(list).toContainText('Quarterly sales');

  await page.getByRole('button', { name: 'Delete Scratch' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete workspace?' });
  await expect(confirm).toContainText('Scratch');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await page.reload();
  await expect(page.getByRole('list', { name: 'Workspaces' }).getByRole('listitem')).toHaveCount(1);
  await expect(page.getByText('Quarterly sales')).toBeVisible();
});
