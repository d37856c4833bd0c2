/**
 * The `onResume` inputs a paused execution waits for (those of its PAUSED Pause task runs) and the
 * execution they belong to: where files uploaded for them go, for `tflow resume -i data=@file` and
 * the API's multipart resume (uploaded into the execution's own folder, as at creation).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { type KeyConfig, sealSecret } from '../secret-inputs/secret-inputs';
import { resolveInputs } from '../workflow/flow/inputs';
import type { InputSpec } from '../workflow/flow/spec';
import { FlowTasks } from '../workflow/interpreter/flow-tasks';
import { onResumeInputs } from '../workflow/plugins/core/flow/pause';
import { splitExecutionId } from '../workflow/schedules/scheduled-request';
import type { ExecutionLocation } from '../workflow/storage/storage-uri';
import { startedRequest } from './execution-handle';
import { queryExecution, ResumeRefusedError } from './executions';

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

/**
 * `inputs` with the value of each SECRET `onResume` input checked against its rules and sealed, as
 * a SECRET flow input is at creation (src/secret-inputs/): the resume update's payload, which
 * Temporal's history keeps, never holds the clear text. The workflow cannot check a sealed value's
 * `validator`, so it is checked here, and a refusal names the input, never the value.
 */
export function sealResumeSecrets(declared: readonly InputSpec[], inputs: Record<string, unknown>, config: KeyConfig): Record<string, unknown> {
  const secrets = declared.filter((spec) => spec.type === 'SECRET' && typeof inputs[spec.id] === 'string');
  if (secrets.length === 0) return inputs;
  const { problems } = resolveInputs(secrets, inputs, {});
  if (problems.length > 0) throw new ResumeRefusedError(problems.map((p) => p.message).join('\n'));
  const sealed = { ...inputs };
  for (const spec of secrets) sealed[spec.id] = sealSecret(inputs[spec.id] as string, config);
  return sealed;
}
