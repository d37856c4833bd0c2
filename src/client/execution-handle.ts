/**
 * The Temporal handle of an execution id. Most execution ids are workflow ids; a scheduled run's is
 * `<workflow id>@<run id>`, because a Schedule reuses workflow ids when the same slot is backfilled
 * again (see src/workflow/schedules/scheduled-request.ts).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ExecutionRequest } from '../workflow/interpreter/interpreter-port';
import { splitExecutionId } from '../workflow/schedules/scheduled-request';

export function executionHandle(client: Client, executionId: string): WorkflowHandle {
  const { workflowId, runId } = splitExecutionId(executionId);
  return client.workflow.getHandle(workflowId, runId);
}

/** What the execution was started with (its flow, inputs, trigger), read from its first history event. */
export async function startedRequest(handle: WorkflowHandle, runId?: string): Promise<Partial<ExecutionRequest> | undefined> {
  const response = await handle.client.workflowService.getWorkflowExecutionHistory({
    namespace: handle.client.options.namespace,
    execution: { workflowId: handle.workflowId, ...(runId ? { runId } : {}) },
    maximumPageSize: 1,
  });
  const payload = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<Partial<ExecutionRequest>>(payload) : undefined;
}
