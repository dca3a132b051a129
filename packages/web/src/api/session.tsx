/** Who is signed in: loaded once from `/api/users/me`, cleared on logout or any 401. */
import type { User } from '@workcell/protocol';
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

import { ApiError, onUnauthenticated, request } from './client';

interface Session {
  user: User | undefined;
  loading: boolean;
  /** True after the user logged out here (not a lapsed session): nothing to return to. */
  loggedOut: boolean;
  signedIn: (user: User) => void;
  logout: () => Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: React.ReactNode }) {
  const [user, setUser] = useState<User>();
  const [loading, setLoading] = useState(true);
  const [loggedOut, setLoggedOut] = useState(false);

  useEffect(() => {
    let live = true;
    request<User>('GET', '/api/users/me')
      .then((me) => live && setUser(me))
      .catch((error: unknown) => {
        if (!(error instanceof ApiError && error.status === 401)) console.warn(error);
      })
      .finally(() => live && setLoading(false));
    const stop = onUnauthenticated(() => setUser(undefined));
    return () => {
      live = false;
      stop();
    };
  }, []);

  const logout = useCallback(async () => {
    try {
      await request('POST', '/api/users/logout');
    } finally {
      setLoggedOut(true);
      setUser(undefined);
    }
  }, []);
  const signedIn = useCallback((signedInUser: User) => {
    setLoggedOut(false);
    setUser(signedInUser);
  }, []);

  const value = useMemo(
    () => ({ user, loading, loggedOut, signedIn, logout }),
    [user, loading, loggedOut, signedIn, logout],
  );
  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
