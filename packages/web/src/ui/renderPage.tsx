/**
 * Tests only: renders pages at a path inside the real session provider, against a
 * `fakeServer`. Any other path shows "At <path>", so a test sees where the app went.
 */
import { SIGNED_IN_COOKIE, type User } from '@workcell/protocol';
import { cleanup, render } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, vi } from 'vitest';

import { SessionProvider } from '../api/session';
import { errorReply, fakeServer, testUser, type FakeReply, type FakeRequest } from './fakeServer';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  // happy-dom keeps a Max-Age=0 cookie until the clock ticks: expire it in the past instead.
  document.cookie = `${SIGNED_IN_COOKIE}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/`;
});

function Where() {
  return <p>At {useLocation().pathname}</p>;
}

/**
 * `routes` are the pages under test; `signedIn` says whether the session is `testUser`'s
 * (or `as`'s); `route` answers every other request. Answers the requests made.
 */
export function renderPage(
  path: string,
  routes: React.ReactNode,
  {
    signedIn,
    as = testUser,
    route,
  }: {
    signedIn: boolean;
    as?: User;
    route: (request: FakeRequest) => FakeReply | undefined;
  },
): FakeRequest[] {
  // The server's hint that a session exists: without it the app asks no one who is signed in.
  if (signedIn) document.cookie = `${SIGNED_IN_COOKIE}=1; Path=/`;
  const requests = fakeServer((request) => {
    if (request.method === 'GET' && request.url === '/api/users/me')
      return signedIn ? { status: 200, body: as } : errorReply(401, 'UNAUTHENTICATED');
    return route(request);
  });
  render(
    <MemoryRouter initialEntries={[path]}>
      <SessionProvider>
        <Routes>
          {routes}
          <Route path="*" element={<Where />} />
        </Routes>
      </SessionProvider>
    </MemoryRouter>,
  );
  return requests;
}
