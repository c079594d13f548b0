/** The launcher. App surfaces arrive with the app platform (issue: app platform); until then it says so. */
export function AppsScreen() {
  return (
    <div class="pending" data-testid="apps-pending">
      <h2>Apps</h2>
      <p>Pending: the launcher and app surfaces appear here once the app platform serves installed apps and their templates (<code>/api/apps</code>).</p>
    </div>
  );
}
