/**
 * Sign in and register. Fields are checked with the server's own schemas, shown once the
 * user leaves a field or submits; the server's answers (wrong password, taken username,
 * too many attempts, no network) are shown where they belong. After success the user goes
 * to `?next=` (a path on this site only) or the dashboard.
 */
import {
  email as emailSchema,
  loginBody,
  password as passwordSchema,
  username as usernameSchema,
  type User,
} from '@workcell/protocol';
import { Link, Navigate, useSearchParams } from 'react-router';

import { api } from '../api/api';
import { ApiError } from '../api/client';
import { useSession } from '../api/session';
import { fieldProps } from '../ui/fieldProps';
import { Loading } from '../ui/Loading';
import { SubmitForm } from '../ui/SubmitForm';
import { TextField } from '../ui/TextField';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { focusField, useForm, type Validators } from '../ui/useForm';
import { failureMessage, useSubmission } from '../ui/useSubmission';
import { validateField } from '../ui/validation';
import './LoginPage.css';

type Mode = 'login' | 'register';

export function LoginPage({ mode }: { mode: Mode }) {
  const { user, loading, signedIn, endedByServer } = useSession();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  useDocumentTitle(mode === 'login' ? 'Sign in' : 'Create an account');

  if (loading) return <Loading label="Loading…" />;
  if (user) return <Navigate to={next} replace />;

  const nextQuery = next === '/' ? '' : `?next=${encodeURIComponent(next)}`;
  return (
    <main className="auth-page">
      <div className="auth-card">
        <p className="auth-brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          Workcell
        </p>
        <h1 className="auth-title">{mode === 'login' ? 'Sign in' : 'Create your account'}</h1>
        <p className="auth-tagline">Python workspaces in your browser.</p>
        {endedByServer && mode === 'login' && (
          <p className="auth-notice" role="status">
            You were signed out (from another tab or device, or by an administrator). Sign in again
            to continue.
          </p>
        )}
        {mode === 'login' ? (
          <LoginForm onSignedIn={signedIn} />
        ) : (
          <RegisterForm onSignedIn={signedIn} />
        )}
        <p className="auth-switch">
          {mode === 'login' ? (
            <>
              New to Workcell? <Link to={`/register${nextQuery}`}>Create an account</Link>
            </>
          ) : (
            <>
              Already have an account? <Link to={`/login${nextQuery}`}>Sign in</Link>
            </>
          )}
        </p>
      </div>
    </main>
  );
}

/**
 * Where to go after signing in: `next` when it is a path on this site, else the dashboard.
 * Anything that would leave the origin (`//host`, `/\host`, `https:…`) is refused.
 */
export function safeNext(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  try {
    const url = new URL(next, window.location.origin);
    if (url.origin !== window.location.origin) return '/';
    const path = url.pathname + url.search + url.hash;
    return url.pathname === '/login' || url.pathname === '/register' ? '/' : path;
  } catch {
    return '/';
  }
}

/** The form-level message for a failed sign-in or registration. */
function authFailureMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Try again.';
  switch (error.code) {
    case 'INVALID_CREDENTIALS':
      return 'Wrong username, email or password.';
    case 'RATE_LIMITED':
      return 'Too many attempts. Wait a minute, then try again.';
    default:
      return failureMessage(error);
  }
}

type LoginField = 'username' | 'password';
const loginValidators: Validators<LoginField> = {
  username: (value) =>
    validateField(loginBody.shape.username, value, 'Enter your username or email.'),
  password: (value) => validateField(loginBody.shape.password, value, 'Enter your password.'),
};

function LoginForm({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const form = useForm<LoginField>({ username: '', password: '' }, loginValidators);
  const { pending, failure, submit } = useSubmission();

  const send = (formElement: HTMLFormElement) => {
    const invalid = form.trySubmit();
    if (invalid) {
      focusField(formElement, invalid);
      return;
    }
    void submit(async () => {
      const reply = await api.login({
        body: { username: form.values.username, password: form.values.password },
      });
      onSignedIn(reply.user);
    }, authFailureMessage);
  };

  return (
    <SubmitForm className="auth-form" aria-label="Sign in" failure={failure} onSubmit={send}>
      <TextField
        {...fieldProps(form, 'username')}
        label="Username or email"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        autoFocus
      />
      <TextField
        {...fieldProps(form, 'password')}
        label="Password"
        type="password"
        autoComplete="current-password"
      />
      <button type="submit" className="button primary auth-submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </SubmitForm>
  );
}

type RegisterField = 'username' | 'email' | 'password';
const registerValidators: Validators<RegisterField> = {
  username: (value) => validateField(usernameSchema, value, 'Choose a username.'),
  email: (value) => validateField(emailSchema, value, 'Enter your email address.'),
  password: (value) => validateField(passwordSchema, value, 'Choose a password.'),
};

function RegisterForm({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const form = useForm<RegisterField>(
    { username: '', email: '', password: '' },
    registerValidators,
  );
  const { pending, failure, submit } = useSubmission();

  const send = (formElement: HTMLFormElement) => {
    const invalid = form.trySubmit();
    if (invalid) {
      focusField(formElement, invalid);
      return;
    }
    void submit(
      async () => {
        const reply = await api.register({ body: form.values });
        onSignedIn(reply.user);
      },
      (error) => {
        if (!(error instanceof ApiError && error.code === 'USERNAME_TAKEN'))
          return authFailureMessage(error);
        // The server does not say which of the two is taken; the username is the one to change.
        form.setServerError(
          'username',
          'This username or email is already registered. Choose another username, or sign in.',
        );
        focusField(formElement, 'username');
        return undefined;
      },
    );
  };

  return (
    <SubmitForm
      className="auth-form"
      aria-label="Create your account"
      failure={failure}
      onSubmit={send}
    >
      <TextField
        {...fieldProps(form, 'username')}
        label="Username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        autoFocus
        hint="3 to 32 letters, digits, _ or -."
      />
      <TextField {...fieldProps(form, 'email')} label="Email" type="email" autoComplete="email" />
      <TextField
        {...fieldProps(form, 'password')}
        label="Password"
        type="password"
        autoComplete="new-password"
        hint="At least 8 characters."
      />
      <button type="submit" className="button primary auth-submit" disabled={pending}>
        {pending ? 'Creating your account…' : 'Create account'}
      </button>
    </SubmitForm>
  );
}
