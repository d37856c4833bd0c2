/**
 * The Temporal handle of an execution id. Most execution ids are workflow ids; a scheduled run's is
 * `<workflow id>@<run id>`, because a Schedule reuses workflow ids when the same slot is backfilled
 * again (see src/workflow/schedules/scheduled-request.ts).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { splitExecutionId } from '../workflow/schedules/scheduled-request';

export function executionHandle(client: Client, executionId: string): WorkflowHandle {
  const { workflowId, runId } = splitExecutionId(executionId);
  return client.workflow.getHandle(workflowId, runId);
}
