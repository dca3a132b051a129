import type { Workspace } from '@workcell/protocol';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route } from 'react-router';
import { describe, expect, it } from 'vitest';

import { errorReply, type FakeReply, type FakeRequest } from '../ui/fakeServer';
import { renderPage } from '../ui/renderPage';
import { DashboardPage } from './DashboardPage';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

function workspace(name: string, uuid: string, openedMinutesAgo: number): Workspace {
  return {
    uuid,
    name,
    sizeBytes: 0,
    createdAt: '2026-01-05T10:00:00.000Z',
    updatedAt: minutesAgo(openedMinutesAgo),
    openedAt: minutesAgo(openedMinutesAgo),
  };
}

const analysis = workspace('Sales analysis', '11111111-1111-4111-8111-111111111111', 3);
const scratch = workspace('scratch', '22222222-2222-4222-8222-222222222222', 60 * 26);

function renderDashboard(route: (request: FakeRequest) => FakeReply | undefined) {
  return renderPage('/', <Route path="/" element={<DashboardPage />} />, { signedIn: true, route });
}

const list = (workspaces: Workspace[]) => (request: FakeRequest) =>
  request.method === 'GET' && request.url === '/api/sessions'
    ? { status: 200, body: { sessions: workspaces } }
    : undefined;

const names = () =>
  within(screen.getByRole('list', { name: 'Workspaces' }))
    .getAllByRole('link')
    .map((link) => link.textContent);

describe('dashboard', () => {
  it('lists the workspaces in the server order with when they were opened', async () => {
    renderDashboard(list([analysis, scratch]));
    await screen.findByRole('link', { name: 'Sales analysis' });
    expect(names()).toEqual(['Sales analysis', 'scratch']);
    expect(screen.getByRole('link', { name: 'Sales analysis' }).getAttribute('href')).toBe(
      `/w/${analysis.uuid}`,
    );
    expect(screen.getByText('3 minutes ago')).toBeTruthy();
    expect(screen.getByText('yesterday')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Rename scratch' })).toBeTruthy();
  });

  it('filters by name, ignoring case, and says when nothing matches', async () => {
    renderDashboard(list([analysis, scratch]));
    const search = await screen.findByRole('searchbox', { name: 'Search workspaces' });
    fireEvent.change(search, { target: { value: 'SALES' } });
    expect(names()).toEqual(['Sales analysis']);
    fireEvent.change(search, { target: { value: 'nothing like it' } });
    expect(screen.queryByRole('list', { name: 'Workspaces' })).toBeNull();
    expect(screen.getByText(/No workspace name contains “nothing like it”/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Clear search' }));
    expect(names()).toEqual(['Sales analysis', 'scratch']);
  });

  it('invites a new user to create a first workspace', async () => {
    renderDashboard(list([]));
    expect(await screen.findByRole('heading', { name: 'No workspaces yet' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Create a workspace' }));
    expect(await screen.findByRole('dialog', { name: 'New workspace' })).toBeTruthy();
  });

  it('shows a failure with Retry, and Retry loads again', async () => {
    let fail = true;
    renderDashboard((request) => {
      if (request.url !== '/api/sessions') return undefined;
      return fail
        ? errorReply(503, 'DATABASE_UNAVAILABLE', 'The database is unreachable.')
        : list([scratch])(request);
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/could not be loaded/);
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByRole('link', { name: 'scratch' });
  });

  it('asks for confirmation, naming the workspace, before deleting it', async () => {
    const requests = renderDashboard((request) =>
      request.method === 'DELETE' ? { status: 204 } : list([analysis, scratch])(request),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Delete Sales analysis' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete workspace?' });
    expect(dialog.textContent).toMatch(/Sales analysis/);
    expect(dialog.textContent).toMatch(/deleted for good/);
    expect(requests.filter((r) => r.method === 'DELETE')).toEqual([]);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(requests.filter((r) => r.method === 'DELETE')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Delete Sales analysis' }));
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Delete workspace?' })).getByRole('button', {
        name: 'Delete',
      }),
    );
    await waitFor(() => expect(names()).toEqual(['scratch']));
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.url)).toEqual([
      `/api/sessions/${analysis.uuid}`,
    ]);
  });

  it('shows the storage used and the workspaces against their limits, read again after a delete', async () => {
    let stored = 12.5 * 1024 * 1024;
    renderDashboard((request) => {
      if (request.method === 'DELETE') {
        stored = 2 * 1024 * 1024;
        return { status: 204 };
      }
      if (request.url === '/api/users/me/usage')
        return {
          status: 200,
          body: {
            bytes: stored,
            limitBytes: 1024 ** 3,
            workspaces: stored > 3 * 1024 * 1024 ? 2 : 1,
            workspaceLimit: 50,
          },
        };
      return list([analysis, scratch])(request);
    });
    const summary = await screen.findByLabelText('Storage used');
    expect(summary.textContent).toBe('12.5 MiB of 1.0 GiB used · 2 of 50 workspaces');
    fireEvent.click(screen.getByRole('button', { name: 'Delete Sales analysis' }));
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Delete workspace?' })).getByRole('button', {
        name: 'Delete',
      }),
    );
    await waitFor(() =>
      expect(screen.getByLabelText('Storage used').textContent).toBe(
        '2.0 MiB of 1.0 GiB used · 1 of 50 workspaces',
      ),
    );
  });

  it('renames in place', async () => {
    const requests = renderDashboard((request) =>
      request.method === 'PATCH'
        ? { status: 200, body: { ...scratch, name: 'Scratchpad' } }
        : list([analysis, scratch])(request),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Rename scratch' }));
    const dialog = await screen.findByRole('dialog', { name: 'Rename “scratch”' });
    const name = within(dialog).getByLabelText('Name');
    fireEvent.change(name, { target: { value: '   ' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rename' }));
    expect(await within(dialog).findByText('Give the workspace a name.')).toBeTruthy();
    fireEvent.change(name, { target: { value: 'Scratchpad' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rename' }));
    await waitFor(() => expect(names()).toEqual(['Sales analysis', 'Scratchpad']));
    expect(requests.filter((r) => r.method === 'PATCH')).toEqual([
      { method: 'PATCH', url: `/api/sessions/${scratch.uuid}`, body: { name: 'Scratchpad' } },
    ]);
  });

  it('creates a workspace from a template and opens it', async () => {
    const requests = renderDashboard((request) =>
      request.method === 'POST'
        ? { status: 201, body: workspace('Q3 numbers', '33333333-3333-4333-8333-333333333333', 0) }
        : list([analysis])(request),
    );
    fireEvent.click(await screen.findByRole('button', { name: '+ New workspace' }));
    const dialog = await screen.findByRole('dialog', { name: 'New workspace' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'Q3 numbers' } });
    fireEvent.click(within(dialog).getByRole('radio', { name: /pandas CSV analysis/ }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create workspace' }));
    expect(await screen.findByText('At /w/33333333-3333-4333-8333-333333333333')).toBeTruthy();
    expect(requests.filter((r) => r.method === 'POST')).toEqual([
      {
        method: 'POST',
        url: '/api/sessions',
        body: { name: 'Q3 numbers', template: 'pandas-csv' },
      },
    ]);
  });
});
