/**
 * The header of the pages outside a workspace: the app's name, the admin view for
 * administrators, and the account menu (profile, settings, shortcuts, Sign out).
 */
import { Link } from 'react-router';

import { useSession } from '../api/session';
import { AccountMenu } from './AccountMenu';
import './AppHeader.css';

export function AppHeader() {
  const { user } = useSession();
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
        <AccountMenu />
      </nav>
    </header>
  );
}
