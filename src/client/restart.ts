/**
 * Restarting a FAILED or KILLED execution (Kestra's restart): a new run of the same workflow id, with
 * the same inputs and labels, that reuses the task runs which ended SUCCESS, WARNING or SKIPPED and
 * runs the others again (src/workflow/interpreter/restart.ts). Used by `tflow restart` and the REST API.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TflowConfig } from '../config';
import type { FlowSpec } from '../workflow/flow/spec';
import type { Execution } from '../workflow/interpreter/execution';
import { previousTaskRuns, RESTARTED_LABEL, type RestartRequest } from '../workflow/interpreter/restart';
import { splitExecutionId } from '../workflow/schedules/scheduled-request';
import { executionHandle, startedRequest } from './execution-handle';
import { quote } from './execution-list';
import { executionResult, startExecution } from './executions';

/** States a restart applies to. */
const RESTARTABLE = ['FAILED', 'KILLED'];

/**
 * The previous attempt travels in the new run's input, so its history holds what the run reused.
 * Task outputs are small by design (large data lives in internal storage as kestra:// URIs, and a
 * workflow result is capped at 1.5 MB), so this is normally a few KB; fetching them with an activity
 * would keep them out of the input but add an activity and a client inside the worker for every
 * restart. Above this size the restart is refused rather than risk Temporal's 2 MB payload limit.
 */
const MAX_RESTART_INPUT_BYTES = 1_000_000;

/** A restart that cannot be done: the execution still runs, or did not end FAILED or KILLED. */
export class RestartRefusedError extends Error {
  override name = 'RestartRefusedError';
}

export interface RestartOptions {
  /** Run this revision of the deployed flow instead of the flow the execution ran. */
  revision?: number;
  /** Loads a deployed flow: needed for `revision`. */
  loadDeployedFlow?: (namespace: string, flowId: string, revision: number) => Promise<FlowSpec>;
}

export interface Restarted {
  handle: WorkflowHandle;
  /** The attempt that ended FAILED or KILLED. */
  previous: Execution;
  flow: FlowSpec;
  /** Kestra's attempt number of the new run (2 for the first restart). */
  attempt: number;
  /** The new run's labels: the previous attempt's, and Kestra's `system.restarted: true`. */
  labels: Record<string, string>;
}

export async function restartExecution(client: Client, config: TflowConfig, executionId: string, options: RestartOptions = {}): Promise<Restarted> {
  const handle = executionHandle(client, executionId);
  const description = await handle.describe();
  if (description.status.name === 'RUNNING')
    throw new RestartRefusedError(`Execution ${executionId} is not terminated: only a FAILED or KILLED execution can be restarted`);
  const previous = await executionResult(handle);
  if (!RESTARTABLE.includes(previous.state)) {
    throw new RestartRefusedError(`Execution ${executionId} ended ${previous.state}: only a FAILED or KILLED execution can be restarted`);
  }
  if (previous.truncated) {
    throw new RestartRefusedError(`Execution ${executionId} cannot be restarted: its result left task-run outputs out (${previous.truncated})`);
  }
  const { workflowId, runId } = splitExecutionId(executionId);
  const { flow, trigger } = await whatItRan(handle, runId, previous, options);
  const { count: runs } = await client.workflow.count(`WorkflowId = ${quote(workflowId)}`);
  const attempt = Math.max(runs, 1) + 1;
  const restart: RestartRequest = { attempt, taskRuns: previousTaskRuns(previous) };
  const size = JSON.stringify(restart).length;
  if (size > MAX_RESTART_INPUT_BYTES) {
    throw new RestartRefusedError(
      `Execution ${executionId} cannot be restarted: its task runs and outputs take ${size} bytes (limit ${MAX_RESTART_INPUT_BYTES}); start a new execution instead`,
    );
  }
  const labels = { ...previous.labels, [RESTARTED_LABEL]: 'true' };
  const started = await startExecution(client, config, flow, {
    inputs: previous.inputs,
    labels,
    executionId: workflowId,
    restart,
    ...(trigger ? { trigger } : {}),
  });
  return { handle: started, previous, flow, attempt, labels };
}

/**
 * The flow the previous attempt ran and its `trigger` variables (a webhook's), from its workflow
 * input (a Schedule's run carries the flow too): a flow run from a file is restarted without being
 * deployed. The flow store's revision when one is asked for.
 */
async function whatItRan(
  handle: WorkflowHandle,
  runId: string | undefined,
  previous: Execution,
  options: RestartOptions,
): Promise<{ flow: FlowSpec; trigger?: Record<string, unknown> }> {
  const fromRegistry = async (revision: number) => {
    if (!options.loadDeployedFlow)
      throw new RestartRefusedError(`Execution ${previous.id}: the flow's revision ${revision} must be loaded from the flow store`);
    return { flow: await options.loadDeployedFlow(previous.namespace, previous.flowId, revision) };
  };
  if (options.revision !== undefined) return fromRegistry(options.revision);
  const input = await startedRequest(handle, runId);
  if (input?.flow?.tasks) return { flow: input.flow, ...(input.trigger ? { trigger: input.trigger } : {}) };
  return fromRegistry(previous.revision);
}
