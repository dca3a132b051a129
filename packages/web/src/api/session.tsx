/** Who is signed in: loaded once from `/api/users/me`, cleared on logout or any 401. */
import { SIGNED_IN_COOKIE, type User } from '@workcell/protocol';
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

import { api } from './api';
import { ApiError, onUnauthenticated } from './client';

interface Session {
  user: User | undefined;
  loading: boolean;
  /** True after the user logged out here (not a lapsed session): nothing to return to. */
  loggedOut: boolean;
  /** True once the server ended this page's session (signed out elsewhere, disabled, expired). */
  endedByServer: boolean;
  signedIn: (user: User) => void;
  logout: () => Promise<void>;
}

function mayBeSignedIn(): boolean {
  return document.cookie.split(/;\s*/).some((pair) => pair.startsWith(`${SIGNED_IN_COOKIE}=`));
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: React.ReactNode }) {
  const [user, setUser] = useState<User>();
  // Without the server's signed-in hint there is no session to ask about. Read once, so the
  // effect asks exactly when the first render said it would wait for the answer.
  const [hinted] = useState(mayBeSignedIn);
  const [loading, setLoading] = useState(hinted);
  const [loggedOut, setLoggedOut] = useState(false);
  const [endedByServer, setEndedByServer] = useState(false);

  useEffect(() => {
    let live = true;
    if (hinted)
      api
        .me()
        .then((me) => live && setUser(me))
        .catch((error: unknown) => {
          if (!(error instanceof ApiError && error.status === 401)) console.warn(error);
        })
        .finally(() => live && setLoading(false));
    const stop = onUnauthenticated(() => {
      // The session ended on the server: the hint must not make the next visit ask again.
      document.cookie = `${SIGNED_IN_COOKIE}=; Max-Age=0; Path=/`;
      setUser((current) => {
        if (current) setEndedByServer(true);
        return undefined;
      });
    });
    return () => {
      live = false;
      stop();
    };
  }, [hinted]);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setLoggedOut(true);
      setUser(undefined);
    }
  }, []);
  const signedIn = useCallback((signedInUser: User) => {
    setLoggedOut(false);
    setEndedByServer(false);
    setUser(signedInUser);
  }, []);

  const value = useMemo(
    () => ({ user, loading, loggedOut, endedByServer, signedIn, logout }),
    [user, loading, loggedOut, endedByServer, signedIn, logout],
  );
  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
