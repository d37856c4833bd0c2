import type { FlowTabProps } from './flow-tab';
import { ExecutionsTable } from './executions-list';

/** A flow's Executions tab: the executions list fixed to this flow. */
export function FlowExecutions({ flow }: FlowTabProps) {
  return <ExecutionsTable flow={flow} />;
}
