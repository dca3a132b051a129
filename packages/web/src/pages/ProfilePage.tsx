/** Placeholder: email, password and editor settings. */
export function ProfilePage() {
  return <main>Profile</main>;
}
