/** Placeholder from the UI skeleton: ui-executions replaces it. */
export function ExecutionPage() {
  return <p className="muted">Not built yet.</p>;
}
