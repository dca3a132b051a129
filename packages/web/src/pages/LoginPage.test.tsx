import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route } from 'react-router';
import { describe, expect, it } from 'vitest';

import { errorReply, testUser, type FakeReply, type FakeRequest } from '../ui/fakeServer';
import { renderPage } from '../ui/renderPage';
import { LoginPage, safeNext } from './LoginPage';

/** The sign-in pages with nobody signed in; `answer` scripts login/register replies. */
function renderAt(path: string, answer: (url: string) => FakeReply = () => 'hang') {
  return renderPage(
    path,
    <>
      <Route path="/login" element={<LoginPage mode="login" />} />
      <Route path="/register" element={<LoginPage mode="register" />} />
    </>,
    { signedIn: false, route: ({ url }) => answer(url) },
  );
}

const posts = (requests: FakeRequest[]) => requests.filter((r) => r.method === 'POST');

function type(label: string | RegExp, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('sign in', () => {
  it('asks for both fields on submit without calling the server', async () => {
    const requests = renderAt('/login');
    // Passing through an untouched field is not an error yet.
    fireEvent.blur(await screen.findByLabelText('Username or email'));
    expect(screen.queryByText('Enter your username or email.')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Enter your username or email.')).toBeTruthy();
    expect(screen.getByText('Enter your password.')).toBeTruthy();
    expect(screen.getByLabelText('Username or email').getAttribute('aria-invalid')).toBe('true');
    expect(posts(requests)).toEqual([]);
  });

  it('says the username or password is wrong on 401 INVALID_CREDENTIALS', async () => {
    const requests = renderAt('/login', () =>
      errorReply(401, 'INVALID_CREDENTIALS', 'Wrong username, email or password.'),
    );
    await screen.findByLabelText('Username or email');
    type('Username or email', 'ada');
    type('Password', 'not-it-at-all');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Wrong username/);
    expect(posts(requests)).toEqual([
      {
        method: 'POST',
        url: '/api/users/login',
        body: { username: 'ada', password: 'not-it-at-all' },
      },
    ]);
    // Still on the page, with the button usable again.
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Sign in' }).disabled).toBe(false);
  });

  it('tells a rate-limited user to wait', async () => {
    renderAt('/login', () =>
      errorReply(429, 'RATE_LIMITED', 'Too many attempts; try again in 30 s.'),
    );
    await screen.findByLabelText('Username or email');
    type('Username or email', 'ada');
    type('Password', 'whatever1');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Wait a minute/);
  });

  it('says when the server cannot be reached', async () => {
    renderAt('/login', () => 'network');
    await screen.findByLabelText('Username or email');
    type('Username or email', 'ada');
    type('Password', 'whatever1');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/cannot be reached/);
  });

  it('disables the button while the request is pending', async () => {
    renderAt('/login', () => 'hang');
    await screen.findByLabelText('Username or email');
    type('Username or email', 'ada');
    type('Password', 'whatever1');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const button = await screen.findByRole<HTMLButtonElement>('button', { name: 'Signing in…' });
    expect(button.disabled).toBe(true);
  });

  it('goes to ?next= after signing in', async () => {
    renderAt('/login?next=%2Fw%2Fabc%3Fx%3D1', () => ({
      status: 200,
      body: { user: testUser, token: 't' },
    }));
    await screen.findByLabelText('Username or email');
    type('Username or email', 'ada');
    type('Password', 'correct-horse');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('At /w/abc')).toBeTruthy();
  });

  it('links to registration, keeping where to go next', async () => {
    renderAt('/login?next=%2Fprofile');
    const link = await screen.findByRole('link', { name: 'Create an account' });
    expect(link.getAttribute('href')).toBe('/register?next=%2Fprofile');
  });
});

describe('register', () => {
  it('shows the server rules under each field once the user leaves it, not while typing', async () => {
    const requests = renderAt('/register');
    const username = await screen.findByLabelText('Username');
    type('Username', 'ab');
    expect(screen.queryByText(/Use 3 to 32 letters/)).toBeNull();
    fireEvent.blur(username);
    expect(screen.getByText('Use 3 to 32 letters, digits, _ or -.')).toBeTruthy();

    type('Email', 'not-an-email');
    fireEvent.blur(screen.getByLabelText('Email'));
    expect(screen.getByText('Not a valid email address.')).toBeTruthy();

    type('Password', 'short');
    fireEvent.blur(screen.getByLabelText('Password'));
    expect(screen.getByText('Use at least 8 characters.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(posts(requests)).toEqual([]);
    expect(document.activeElement).toBe(username);
  });

  it('accepts what the server accepts and sends it', async () => {
    const requests = renderAt('/register', () => ({
      status: 201,
      body: { user: testUser, token: 't' },
    }));
    await screen.findByLabelText('Username');
    type('Username', 'Ada_Lovelace-1');
    type('Email', 'ada@example.com');
    type('Password', '12345678');
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('At /')).toBeTruthy();
    expect(posts(requests)[0]?.body).toEqual({
      username: 'Ada_Lovelace-1',
      email: 'ada@example.com',
      password: '12345678',
    });
  });

  it('marks the username field on 409 USERNAME_TAKEN', async () => {
    renderAt('/register', () => errorReply(409, 'USERNAME_TAKEN'));
    await screen.findByLabelText('Username');
    type('Username', 'ada');
    type('Email', 'ada@example.com');
    type('Password', '12345678');
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    const username = screen.getByLabelText('Username');
    await waitFor(() => expect(username.getAttribute('aria-invalid')).toBe('true'));
    const description = document.getElementById(
      username.getAttribute('aria-describedby')!.split(' ')[0]!,
    );
    expect(description?.textContent).toMatch(/already registered/);
    // Editing the username clears the server's complaint.
    type('Username', 'ada2');
    expect(username.getAttribute('aria-invalid')).toBeNull();
  });
});

describe('safeNext', () => {
  it('keeps paths on this site and refuses anything else', () => {
    expect(safeNext('/w/abc?x=1')).toBe('/w/abc?x=1');
    expect(safeNext(null)).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example/')).toBe('/');
    expect(safeNext('/\t/evil.example/')).toBe('/');
    expect(safeNext('/login')).toBe('/');
  });
});
