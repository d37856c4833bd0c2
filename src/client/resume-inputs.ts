/**
 * The `onResume` inputs a paused execution waits for (those of its PAUSED Pause task runs) and the
 * execution they belong to: where files uploaded for them go, for `tflow resume -i data=@file` and
 * the API's multipart resume (uploaded into the execution's own folder, as at creation).
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { InputSpec } from '../workflow/flow/spec';
import { FlowTasks } from '../workflow/interpreter/flow-tasks';
import { onResumeInputs } from '../workflow/plugins/core/flow/pause';
import { splitExecutionId } from '../workflow/schedules/scheduled-request';
import type { ExecutionLocation } from '../workflow/storage/storage-uri';
import { startedRequest } from './execution-handle';
import { queryExecution } from './executions';

export interface WaitingResumeInputs {
  location: ExecutionLocation;
  declared: InputSpec[];
}

export async function waitingResumeInputs(handle: WorkflowHandle, executionId: string): Promise<WaitingResumeInputs> {
  const [execution, request] = await Promise.all([queryExecution(handle), startedRequest(handle, splitExecutionId(executionId).runId)]);
  const location = { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id };
  if (!request?.flow) return { location, declared: [] };
  const tasks = new FlowTasks(request.flow, () => true);
  const declared = execution.taskRuns
    .filter((taskRun) => taskRun.state === 'PAUSED')
    .flatMap((taskRun) => onResumeInputs(tasks.find(taskRun.taskId)?.properties.onResume));
  return { location, declared };
}
