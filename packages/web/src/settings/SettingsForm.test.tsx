import { defaultUserSettings } from '@workcell/protocol';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { errorReply, fakeServer, type FakeReply } from '../ui/fakeServer';
import { SettingsForm } from './SettingsForm';
import { SettingsProvider } from './settings';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** The form against a server that keeps what each PATCH changes, unless `patch` answers. */
function renderForm(patch?: (body: unknown) => FakeReply) {
  let stored = { ...defaultUserSettings, tabSize: 2 };
  const requests = fakeServer((request) => {
    if (request.url !== '/api/users/me/settings') return undefined;
    if (request.method === 'GET') return { status: 200, body: stored };
    if (patch) return patch(request.body);
    stored = { ...stored, ...(request.body as object) };
    return { status: 200, body: stored };
  });
  render(
    <SettingsProvider>
      <SettingsForm />
    </SettingsProvider>,
  );
  return () => requests.filter((r) => r.method === 'PATCH').map((r) => r.body);
}

describe('settings form', () => {
  it('shows the saved settings once loaded', async () => {
    renderForm();
    const tabSize = screen.getByLabelText<HTMLInputElement>('Tab size');
    await waitFor(() => expect(tabSize.value).toBe('2'));
    expect(screen.getByLabelText<HTMLSelectElement>('Theme').value).toBe('dark');
    expect(screen.getByRole('option', { name: 'Solarized Light' })).toBeTruthy();
  });

  it('does not send a font size out of range, and says why', async () => {
    const patches = renderForm();
    const fontSize = screen.getByLabelText('Font size');
    fireEvent.change(fontSize, { target: { value: '99' } });
    fireEvent.blur(fontSize);
    expect(screen.getByText('Use a whole number from 8 to 40.')).toBeTruthy();
    fireEvent.change(fontSize, { target: { value: '' } });
    fireEvent.change(fontSize, { target: { value: '12.5' } });
    expect(patches()).toEqual([]);

    fireEvent.change(fontSize, { target: { value: '16' } });
    await waitFor(() => expect(patches()).toEqual([{ fontSize: 16 }]));
    expect(screen.queryByText('Use a whole number from 8 to 40.')).toBeNull();
  });

  it('saves a theme and a checkbox at once', async () => {
    const patches = renderForm();
    fireEvent.change(screen.getByLabelText('Theme'), { target: { value: 'monokai' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Vim mode' }));
    await waitFor(() => expect(patches()).toEqual([{ theme: 'monokai' }, { vimMode: true }]));
    expect(document.documentElement.dataset.theme).toBe('monokai');
  });

  it('says so when a change was not saved, and shows the kept value', async () => {
    renderForm(() => errorReply(503, 'DATABASE_UNAVAILABLE', 'The database is unreachable.'));
    const autosave = screen.getByRole<HTMLInputElement>('checkbox', { name: 'Autosave' });
    await waitFor(() =>
      expect(screen.getByLabelText<HTMLInputElement>('Tab size').value).toBe('2'),
    );
    fireEvent.click(autosave);
    expect((await screen.findByRole('alert')).textContent).toMatch(/could not be saved/);
    expect(autosave.checked).toBe(true);
  });
});
