import { defaultUserSettings } from '@workcell/protocol';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route } from 'react-router';
import { describe, expect, it } from 'vitest';

import { SettingsProvider } from '../settings/settings';
import type { FakeRequest } from '../ui/fakeServer';
import { renderPage } from '../ui/renderPage';
import { AccountMenu } from './AccountMenu';

function renderMenu() {
  const requests = renderPage(
    '/',
    <Route
      path="/"
      element={
        <SettingsProvider>
          <button type="button">Before</button>
          <AccountMenu />
        </SettingsProvider>
      }
    />,
    {
      signedIn: true,
      route: (request: FakeRequest) => {
        if (request.url === '/api/users/me/settings')
          return { status: 200, body: defaultUserSettings };
        if (request.url === '/api/users/logout') return { status: 204 };
        return undefined;
      },
    },
  );
  return requests;
}

const menuButton = () => screen.findByRole('button', { name: 'ada' });
const focusedText = () => document.activeElement?.textContent;

describe('AccountMenu', () => {
  it('is a button with the user’s name that opens a menu on its first item', async () => {
    renderMenu();
    const button = await menuButton();
    expect(button.getAttribute('aria-haspopup')).toBe('menu');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('menu')).toBeNull();

    fireEvent.click(button);
    const menu = screen.getByRole('menu', { name: 'ada' });
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(
      within(menu)
        .getAllByRole('menuitem')
        .map((item) => item.textContent),
    ).toEqual(['Profile', 'Settings', 'Keyboard shortcuts', 'Sign out']);
    expect(focusedText()).toBe('Profile');
  });

  it('moves with the arrow keys, Home and End, and Escape closes it onto the button', async () => {
    renderMenu();
    const button = await menuButton();
    fireEvent.keyDown(button, { key: 'ArrowUp' });
    expect(focusedText()).toBe('Sign out');
    const menu = screen.getByRole('menu');
    fireEvent.keyDown(menu, { key: 'ArrowDown' });
    expect(focusedText()).toBe('Profile');
    fireEvent.keyDown(menu, { key: 'ArrowDown' });
    expect(focusedText()).toBe('Settings');
    fireEvent.keyDown(menu, { key: 'ArrowUp' });
    fireEvent.keyDown(menu, { key: 'ArrowUp' });
    expect(focusedText()).toBe('Sign out');
    fireEvent.keyDown(menu, { key: 'Home' });
    expect(focusedText()).toBe('Profile');
    fireEvent.keyDown(menu, { key: 'End' });
    expect(focusedText()).toBe('Sign out');
    fireEvent.keyDown(menu, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it('closes on a click elsewhere', async () => {
    renderMenu();
    fireEvent.click(await menuButton());
    fireEvent.mouseDown(screen.getByRole('button', { name: 'Before' }));
    expect(screen.queryByRole('menu')).toBeNull();
  });

  it('signs out through the session', async () => {
    const requests = renderMenu();
    fireEvent.click(await menuButton());
    fireEvent.click(screen.getByRole('menuitem', { name: 'Sign out' }));
    await waitFor(() =>
      expect(requests.some((r) => r.method === 'POST' && r.url === '/api/users/logout')).toBe(true),
    );
    // Signed out: the session has no user, so there is no one's menu to show.
    await waitFor(() => expect(screen.queryByRole('button', { name: 'ada' })).toBeNull());
  });

  it('opens the keyboard shortcuts, filtered by what is typed', async () => {
    renderMenu();
    fireEvent.click(await menuButton());
    fireEvent.click(screen.getByRole('menuitem', { name: 'Keyboard shortcuts' }));
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(within(dialog).getByRole('table', { name: 'Run' })).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText('Filter shortcuts'), {
      target: { value: 'palette' },
    });
    const rows = within(dialog).getAllByRole('row');
    expect(rows.map((row) => row.textContent)).toEqual(['Command paletteCtrl+Shift+P or F1']);
    fireEvent.change(within(dialog).getByLabelText('Filter shortcuts'), {
      target: { value: 'no such thing' },
    });
    expect(within(dialog).getByRole('status').textContent).toContain('No shortcut matches');
  });

  it('opens the editor settings', async () => {
    renderMenu();
    fireEvent.click(await menuButton());
    fireEvent.click(screen.getByRole('menuitem', { name: 'Settings' }));
    expect(screen.getByRole('dialog', { name: 'Editor settings' })).toBeTruthy();
  });
});
