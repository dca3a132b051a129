/** The signed-in user's account (email, password) and editor settings. */
import { email as emailSchema, password as passwordSchema, type User } from '@workcell/protocol';
import { useState } from 'react';
import { Link } from 'react-router';

import { api } from '../api/api';
import { ApiError } from '../api/client';
import { useSession } from '../api/session';
import { AppHeader } from '../app/AppHeader';
import { SettingsForm } from '../settings/SettingsForm';
import { Alert } from '../ui/Alert';
import { fieldProps } from '../ui/fieldProps';
import { calendarDay, exactTime } from '../ui/relativeTime';
import { SubmitForm } from '../ui/SubmitForm';
import { TextField } from '../ui/TextField';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { focusField, useForm, type Validators } from '../ui/useForm';
import { failureMessage, useSubmission } from '../ui/useSubmission';
import { validateField } from '../ui/validation';
import './ProfilePage.css';

export function ProfilePage() {
  useDocumentTitle('Your profile');
  const { user, signedIn } = useSession();
  /** The email last saved here, to confirm it once the form is rebuilt for the new value. */
  const [savedEmail, setSavedEmail] = useState<string>();
  if (!user) return null;
  const created = new Date(user.createdAt);
  return (
    <div className="app-page">
      <AppHeader />
      <main className="app-main profile">
        <Link to="/" className="back-link">
          ← Back to your workspaces
        </Link>
        <h1>Your profile</h1>
        <section className="card" aria-labelledby="profile-account">
          <h2 id="profile-account">Account</h2>
          <dl className="profile-facts">
            <dt>Username</dt>
            <dd>{user.username}</dd>
            <dt>Email</dt>
            <dd>{user.email}</dd>
            <dt>Member since</dt>
            <dd>
              <time dateTime={user.createdAt} title={exactTime(created)}>
                {calendarDay(created)}
              </time>
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="profile-email">
          <h2 id="profile-email">Change email</h2>
          {savedEmail === user.email && (
            <Alert kind="success">Your email is now {user.email}.</Alert>
          )}
          <EmailForm
            key={user.email}
            user={user}
            onChanged={(updated) => {
              setSavedEmail(updated.email);
              signedIn(updated);
            }}
          />
        </section>
        <section className="card" aria-labelledby="profile-password">
          <h2 id="profile-password">Change password</h2>
          <PasswordForm />
        </section>
        <section className="card" aria-labelledby="profile-settings">
          <h2 id="profile-settings">Editor settings</h2>
          <p className="card-note">Changes apply at once and are saved to your account.</p>
          <SettingsForm />
        </section>
      </main>
    </div>
  );
}

const emailValidators: Validators<'email'> = {
  email: (value) => validateField(emailSchema, value, 'Enter your email address.'),
};

function EmailForm({ user, onChanged }: { user: User; onChanged: (user: User) => void }) {
  const form = useForm({ email: user.email }, emailValidators);
  const { pending, failure, submit } = useSubmission();
  const unchanged = form.values.email.trim().toLowerCase() === user.email;

  const send = (formElement: HTMLFormElement) => {
    if (form.trySubmit()) {
      focusField(formElement, 'email');
      return;
    }
    void submit(
      async () => {
        const updated = await api.updateMe({
          body: { email: form.values.email },
        });
        onChanged(updated);
      },
      (error) => {
        if (error instanceof ApiError && error.code === 'USERNAME_TAKEN') {
          form.setServerError('email', 'This email is already registered to another account.');
          focusField(formElement, 'email');
        } else if (error instanceof ApiError && error.code === 'VALIDATION_FAILED') {
          form.setServerError('email', error.message);
        } else {
          return failureMessage(error);
        }
        return undefined;
      },
    );
  };

  return (
    <SubmitForm aria-label="Change email" failure={failure} onSubmit={send}>
      <TextField {...fieldProps(form, 'email')} label="Email" type="email" autoComplete="email" />
      <button type="submit" className="button primary" disabled={pending || unchanged}>
        {pending ? 'Saving…' : 'Save email'}
      </button>
    </SubmitForm>
  );
}

type PasswordField = 'current' | 'next' | 'confirm';
const passwordValidators: Validators<PasswordField> = {
  current: (value) => (value ? undefined : 'Enter your current password.'),
  next: (value) => validateField(passwordSchema, value, 'Choose a new password.'),
  confirm: (value, values) =>
    !value
      ? 'Type the new password again.'
      : value !== values.next
        ? 'This does not match the new password.'
        : undefined,
};

function PasswordForm() {
  const [generation, setGeneration] = useState(0);
  const [done, setDone] = useState(false);
  return (
    <>
      <p className="card-note">
        Changing your password signs you out everywhere else: other browsers and devices will need
        the new password. This browser stays signed in.
      </p>
      {done && (
        <Alert kind="success">
          Your password was changed, and your other sessions were signed out.
        </Alert>
      )}
      <PasswordFields
        // A fresh, empty form after a change, so the passwords do not linger in the page.
        key={generation}
        onChanged={() => {
          setDone(true);
          setGeneration((count) => count + 1);
        }}
        onEdit={() => setDone(false)}
      />
    </>
  );
}

function PasswordFields({ onChanged, onEdit }: { onChanged: () => void; onEdit: () => void }) {
  const { user } = useSession();
  const form = useForm<PasswordField>({ current: '', next: '', confirm: '' }, passwordValidators);
  const { pending, failure, submit } = useSubmission();

  const send = (formElement: HTMLFormElement) => {
    const invalid = form.trySubmit();
    if (invalid) {
      focusField(formElement, invalid);
      return;
    }
    void submit(
      async () => {
        await api.updateMe({
          body: { currentPassword: form.values.current, password: form.values.next },
        });
        onChanged();
      },
      (error) => {
        if (!(error instanceof ApiError && error.code === 'WRONG_PASSWORD'))
          return failureMessage(error);
        form.setServerError('current', 'The current password is wrong.');
        focusField(formElement, 'current');
        return undefined;
      },
    );
  };

  const field = (name: PasswordField) => ({
    ...fieldProps(form, name, onEdit),
    type: 'password',
  });

  return (
    <SubmitForm aria-label="Change password" failure={failure} onSubmit={send}>
      {/* Lets password managers file the new password under the right account. */}
      <input
        type="text"
        name="username"
        autoComplete="username"
        value={user?.username ?? ''}
        readOnly
        hidden
      />
      <TextField {...field('current')} label="Current password" autoComplete="current-password" />
      <TextField
        {...field('next')}
        label="New password"
        autoComplete="new-password"
        hint="At least 8 characters."
      />
      <TextField {...field('confirm')} label="Confirm new password" autoComplete="new-password" />
      <button type="submit" className="button primary" disabled={pending}>
        {pending ? 'Changing…' : 'Change password'}
      </button>
    </SubmitForm>
  );
}
