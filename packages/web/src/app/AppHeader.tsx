/**
 * The header of the pages outside a workspace: the app's name, the admin view for
 * administrators, who is signed in, Log out.
 */
import { useState } from 'react';
import { Link } from 'react-router';

import { useSession } from '../api/session';
import './AppHeader.css';

export function AppHeader() {
  const { user, logout } = useSession();
  const [leaving, setLeaving] = useState(false);
  return (
    <header className="app-header">
      <Link to="/" className="app-brand">
        <img src="/favicon.svg" alt="" width="22" height="22" />
        Workcell
      </Link>
      <nav className="app-header-user" aria-label="Account">
        {user?.admin && (
          <Link to="/admin" className="app-header-link">
            Administration
          </Link>
        )}
        {user && (
          <Link to="/profile" className="app-header-profile" title="Your profile and settings">
            <span className="avatar" aria-hidden="true">
              {user.username.slice(0, 1).toUpperCase()}
            </span>
            <span className="app-header-username">{user.username}</span>
          </Link>
        )}
        <button
          type="button"
          className="button"
          disabled={leaving}
          onClick={() => {
            setLeaving(true);
            // Signed out locally even when the server cannot be reached; nothing to show.
            logout().catch(() => setLeaving(false));
          }}
        >
          Log out
        </button>
      </nav>
    </header>
  );
}
