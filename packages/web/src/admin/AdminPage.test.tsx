import type { AdminUser, AuditEntry } from '@workcell/protocol';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route } from 'react-router';
import { describe, expect, it } from 'vitest';

import { useSession } from '../api/session';
import { testUser, type FakeReply, type FakeRequest } from '../ui/fakeServer';
import { renderPage } from '../ui/renderPage';
import { AdminPage } from './AdminPage';

const admin = { ...testUser, admin: true };
const grace: AdminUser = {
  id: '00000000-0000-4000-8000-000000000002',
  username: 'grace',
  email: 'grace@example.com',
  createdAt: '2026-01-05T10:00:00.000Z',
  lastSeenAt: null,
  storageBytes: 2048,
  workspaceCount: 1,
  disabled: false,
  admin: false,
};

/** A server with one user besides the admin, whose disable is recorded in the audit log. */
function adminServer() {
  const audit: AuditEntry[] = [];
  return (request: FakeRequest): FakeReply | undefined => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname === '/api/users/') {
      const q = url.searchParams.get('q') ?? '';
      const users = grace.username.includes(q) ? [{ ...grace, disabled: audit.length > 0 }] : [];
      return { status: 200, body: { users, total: users.length } };
    }
    if (request.method === 'POST' && url.pathname === `/api/admin/users/${grace.id}/disable`) {
      audit.push({
        id: 1,
        admin: admin.username,
        action: 'user.disable',
        targetKind: 'user',
        targetId: grace.id,
        details: { username: grace.username },
        createdAt: new Date().toISOString(),
      });
      return { status: 204 };
    }
    const lists: Record<string, unknown> = {
      '/api/admin/workspaces': { workspaces: [] },
      '/api/admin/cells': { cells: [] },
      '/api/admin/egress-refusals': { refusals: [] },
      '/api/admin/audit': { entries: audit },
    };
    return url.pathname in lists ? { status: 200, body: lists[url.pathname] } : undefined;
  };
}

/** The app shows a page once the session is known (App's SignedIn); so does this. */
function OnceSignedIn({ children }: { children: React.ReactNode }) {
  return useSession().loading ? null : children;
}

const adminRoute = (
  <Route
    path="/admin"
    element={
      <OnceSignedIn>
        <AdminPage />
      </OnceSignedIn>
    }
  />
);

describe('admin page', () => {
  it('sends anyone but an administrator back to the dashboard', async () => {
    renderPage('/admin', adminRoute, {
      signedIn: true,
      route: () => undefined,
    });
    expect(await screen.findByText('At /')).toBeTruthy();
  });

  it('searches users, disables one, and shows it in the audit log', async () => {
    const requests = renderPage('/admin', adminRoute, {
      signedIn: true,
      as: admin,
      route: adminServer(),
    });
    const users = await screen.findByRole('region', { name: 'Users' });
    fireEvent.change(within(users).getByRole('searchbox', { name: 'Search users' }), {
      target: { value: 'nobody' },
    });
    expect(await within(users).findByText('No user matches “nobody”.')).toBeTruthy();
    fireEvent.change(within(users).getByRole('searchbox', { name: 'Search users' }), {
      target: { value: 'gra' },
    });
    fireEvent.click(await within(users).findByRole('button', { name: 'Disable grace' }));
    expect(await within(users).findByRole('button', { name: 'Enable grace' })).toBeTruthy();
    expect(requests.some((r) => r.method === 'POST' && r.url.endsWith('/disable'))).toBe(true);

    const audit = screen.getByRole('region', { name: 'Audit log' });
    await waitFor(() => expect(within(audit).getByText('user grace')).toBeTruthy());
    expect(within(audit).getByText('disabled')).toBeTruthy();
    expect(
      within(screen.getByRole('region', { name: 'Recent proxy refusals' })).getByText(
        /No connections have been refused/,
      ),
    ).toBeTruthy();
  });
});
