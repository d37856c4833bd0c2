/** Placeholder from the UI skeleton: ui-flows replaces it. */
export function NamespacesList() {
  return <p className="muted">Not built yet.</p>;
}
