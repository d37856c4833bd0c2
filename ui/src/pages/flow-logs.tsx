import type { FlowTabProps } from './flow-tab';
/** Placeholder from the UI skeleton: ui-executions replaces it. */
export function FlowLogs(_props: FlowTabProps) {
  return <p className="muted">Not built yet.</p>;
}
