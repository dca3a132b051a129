/** Placeholder: sign in / register. */
export function LoginPage({ mode }: { mode: 'login' | 'register' }) {
  return <main>{mode}</main>;
}
