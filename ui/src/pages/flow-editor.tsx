import type { FlowTabProps } from './flow-tab';
/** Placeholder from the UI skeleton: ui-flows replaces it. */
export function FlowEditor(_props: FlowTabProps) {
  return <p className="muted">Not built yet.</p>;
}
