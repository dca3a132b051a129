/** The account menu in the dashboard's header, used from the keyboard as its pattern promises. */
import { expect, screenshot, seriousA11yViolations, signUp, test } from './fixtures';

test('the account menu opens the shortcut reference and the settings, by keyboard', async ({
  page,
}) => {
  const user = await signUp(page);
  await page.goto('/');
  const button = page
    .getByRole('navigation', { name: 'Account' })
    .getByRole('button', { name: user.username });
  await button.focus();
  await page.keyboard.press('ArrowDown');
  const menu = page.getByRole('menu');
  await expect(menu.getByRole('menuitem', { name: 'Profile' })).toBeFocused();
  expect(await seriousA11yViolations(page)).toEqual([]);

  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Keyboard shortcuts' })).toBeFocused();
  await page.keyboard.press('Enter');
  const shortcuts = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(shortcuts.getByRole('table', { name: 'Run' })).toContainText('F5');
  await shortcuts.getByLabel('Filter shortcuts').fill('terminal');
  await expect(shortcuts.getByRole('table')).toHaveCount(1);
  await expect(shortcuts.getByRole('row', { name: /Toggle terminal/ })).toContainText('Ctrl+`');
  await screenshot(page, 'keyboard-shortcuts');
  await page.keyboard.press('Escape');
  await expect(shortcuts).toBeHidden();
  await expect(button).toBeFocused();

  await page.keyboard.press('Enter');
  await menu.getByRole('menuitem', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Editor settings' });
  await expect(settings.getByLabel('Theme')).toBeVisible();
  await settings.getByRole('button', { name: 'Done' }).click();
  await expect(settings).toBeHidden();

  await button.click();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(button).toBeFocused();
});
