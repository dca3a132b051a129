/**
 * The profile page: a new email, a new password that is the one that works afterwards,
 * and the editor settings form, whose theme applies at once and is kept on the server.
 */
import { chooseFromAccountMenu, expect, newUser, screenshot, signUp, test } from './fixtures';

test('the profile page changes the email, the password and the settings', async ({ page }) => {
  const user = await signUp(page);
  await page.goto('/');
  await page
    .getByRole('navigation', { name: 'Account' })
    .getByRole('button', { name: user.username })
    .click();
  await page.getByRole('menuitem', { name: 'Profile' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'Your profile', level: 1 })).toBeVisible();

  // Email.
  const newEmail = newUser('mail').email;
  const emailForm = page.getByRole('form', { name: 'Change email' });
  await expect(emailForm.getByRole('button', { name: 'Save email' })).toBeDisabled();
  await emailForm.getByLabel('Email').fill(newEmail);
  await emailForm.getByRole('button', { name: 'Save email' }).click();
  await expect(page.getByText(`Your email is now ${newEmail}.`)).toBeVisible();
  await expect(page.getByRole('definition').filter({ hasText: newEmail })).toBeVisible();
  const me = await page.request.get('/api/users/me');
  expect(((await me.json()) as { email: string }).email).toBe(newEmail);

  // Password: a wrong current one is refused in place, the right one changes it.
  const newPassword = 'a brand new passphrase';
  const passwordForm = page.getByRole('form', { name: 'Change password' });
  await passwordForm.getByLabel('Current password').fill('not my password');
  await passwordForm.getByLabel('New password', { exact: true }).fill(newPassword);
  await passwordForm.getByLabel('Confirm new password').fill(newPassword);
  await passwordForm.getByRole('button', { name: 'Change password' }).click();
  await expect(passwordForm.getByText('The current password is wrong.')).toBeVisible();
  await passwordForm.getByLabel('Current password').fill(user.password);
  await passwordForm.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password was changed')).toBeVisible();
  // The form is emptied, so the passwords do not linger in the page.
  await expect(passwordForm.getByLabel('New password', { exact: true })).toHaveValue('');

  // Settings: the theme changes the page at once, and is still there after a reload.
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const darkBackground = await background();
  await page.getByLabel('Theme').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect.poll(background).not.toBe(darkBackground);
  await page.getByLabel('Font size').fill('18');
  await page.getByLabel('Autosave').uncheck();
  await screenshot(page, 'profile');
  await expect
    .poll(
      async () =>
        (await (await page.request.get('/api/users/me/settings')).json()) as Record<
          string,
          unknown
        >,
    )
    .toMatchObject({ theme: 'light', fontSize: 18, autosave: false });
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(page.getByLabel('Theme')).toHaveValue('light');
  await expect(page.getByLabel('Font size')).toHaveValue('18');
  await expect(page.getByLabel('Autosave')).not.toBeChecked();

  // Out, then in: the old password no longer works, the new one (with the new email) does.
  await chooseFromAccountMenu(page, 'Sign out');
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong username, email or password');
  await page.getByLabel('Username or email').fill(newEmail);
  await page.getByLabel('Password', { exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Your workspaces' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});
