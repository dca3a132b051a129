import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';

import { AdminPage } from '../admin/AdminPage';
import { SessionProvider, useSession } from '../api/session';
import { DashboardPage } from '../pages/DashboardPage';
import { LoginPage } from '../pages/LoginPage';
import { ProfilePage } from '../pages/ProfilePage';
import { SettingsProvider } from '../settings/settings';
import { Loading } from '../ui/Loading';

// Monaco and xterm are most of the bundle: only the workspace page loads them.
const loadWorkspacePage = () => import('../pages/WorkspacePage');
// Opening a workspace's address fetches its page at once, beside the session check.
if (window.location.pathname.startsWith('/w/')) void loadWorkspacePage();
const WorkspacePage = lazy(loadWorkspacePage);

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Routes>
          <Route path="/login" element={<LoginPage mode="login" />} />
          <Route path="/register" element={<LoginPage mode="register" />} />
          <Route
            path="/"
            element={
              <SignedIn>
                <DashboardPage />
              </SignedIn>
            }
          />
          <Route
            path="/profile"
            element={
              <SignedIn>
                <ProfilePage />
              </SignedIn>
            }
          />
          <Route
            path="/admin"
            element={
              <SignedIn>
                <AdminPage />
              </SignedIn>
            }
          />
          <Route
            path="/w/:uuid"
            element={
              <SignedIn>
                <Suspense fallback={<Loading label="Opening the workspace…" />}>
                  <WorkspacePage />
                </Suspense>
              </SignedIn>
            }
          />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}

/** Renders its children for a signed-in user (with their settings), else goes to /login. */
function SignedIn({ children }: { children: React.ReactNode }) {
  const { user, loading, loggedOut } = useSession();
  const location = useLocation();
  if (loading) return <Loading label="Loading…" />;
  if (!user) {
    // After a lapsed session, come back here once signed in; after Log out, start afresh.
    const next = loggedOut ? '/' : location.pathname + location.search;
    return (
      <Navigate to={`/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`} replace />
    );
  }
  return <SettingsProvider>{children}</SettingsProvider>;
}
