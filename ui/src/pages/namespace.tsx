/** Placeholder from the UI skeleton: ui-flows replaces it. */
export function NamespacePage() {
  return <p className="muted">Not built yet.</p>;
}
