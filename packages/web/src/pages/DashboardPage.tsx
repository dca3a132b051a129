/** Placeholder: the user's workspaces. */
export function DashboardPage() {
  return <main>Workspaces</main>;
}
