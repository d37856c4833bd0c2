/** Placeholder from the UI skeleton: ui-executions replaces it. */
export function ExecutionsList() {
  return <p className="muted">Not built yet.</p>;
}
