import type { Flow } from '../api';
/** Placeholder from the UI skeleton: ui-executions replaces it. */
export function ExecuteButton(_props: { flow: Flow }) {
  return <p className="muted">Not built yet.</p>;
}
