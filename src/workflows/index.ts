/**
 * The one generic workflow: runs any flow. Registered as the default (dynamic) workflow, so each
 * flow shows up in the Web UI under its own workflow type, `<namespace>.<flowId>`.
 *
 * Sandbox code: deterministic, no Node built-ins, activities imported by type only.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { Execution } from '../interpreter/execution';
import {
  type ExecutionRequest,
  FlowRun,
  type InterpreterPort,
  type TaskInvocation,
  type TaskInvocationOptions,
  type TaskLogLine,
  type TaskResult,
  TaskFailure,
} from '../interpreter/flow-run';
import { FlowStateKey } from '../temporal/search-attributes';
import { activityOptionsFor } from './activity-options';
import { executionQuery, FLOW_FAILED, logsQuery, progressQuery, TASK_FAILED } from './definitions';

type TaskActivity = (invocation: TaskInvocation) => Promise<TaskResult>;

/** Activities are looked up by the task's type: one activity type per Kestra task type. */
const activities = proxyActivities<Record<string, TaskActivity>>({ startToCloseTimeout: '1 hour' });

const temporalPort: InterpreterPort = {
  async runTask(invocation: TaskInvocation, options: TaskInvocationOptions): Promise<TaskResult> {
    try {
      return await activities[invocation.type].executeWithOptions(activityOptionsFor(options), [invocation]);
    } catch (error) {
      throw toTaskFailure(error, options);
    }
  },
  newId: () => uuid4(),
  now: () => new Date(),
  onChange: (run) => setCurrentDetails(progressMarkdown(run.execution)),
};

export default async function tflowExecution(request: ExecutionRequest): Promise<Execution> {
  const run = new FlowRun(request, temporalPort);
  setHandler(executionQuery, () => run.execution);
  setHandler(logsQuery, (from: number) => run.logsSince(from));
  setHandler(progressQuery, (from: number) => ({ execution: run.execution, ...run.logsSince(from) }));

  const execution = await run.run();
  upsertSearchAttributes([{ key: FlowStateKey, value: execution.state }]);
  if (execution.state === 'FAILED') {
    throw ApplicationFailure.create({
      type: FLOW_FAILED,
      message: execution.error ?? 'The execution failed',
      nonRetryable: true,
      details: [execution],
    });
  }
  return execution;
}

function toTaskFailure(error: unknown, options: TaskInvocationOptions): unknown {
  if (!(error instanceof ActivityFailure)) return error;
  const cause = error.cause;
  if (cause instanceof CancelledFailure) return error;
  if (cause instanceof ApplicationFailure && cause.type === TASK_FAILED) {
    const details = (cause.details?.[0] ?? {}) as { attempt?: number; logs?: TaskLogLine[] };
    return new TaskFailure(cause.message, details.attempt ?? 1, details.logs ?? []);
  }
  if (cause instanceof TimeoutFailure) {
    const limit = options.timeout ? ` of ${options.timeout}` : '';
    return new TaskFailure(`Timeout${limit} exceeded (${cause.timeoutType === 'HEARTBEAT' ? 'heartbeat: the worker stopped answering' : 'the task ran too long'})`, options.retry?.maxAttempts ?? 1);
  }
  return new TaskFailure(cause?.message ?? error.message, options.retry?.maxAttempts ?? 1);
}

/** A one-screen progress table for the Web UI's "current details". */
function progressMarkdown(execution: Execution): string {
  const rows = execution.taskRuns.slice(-50).map((r) => `| ${r.taskId}${r.value !== undefined ? ` [${r.value}]` : ''} | ${r.state} | ${r.attempts} |`);
  return [`**${execution.namespace}.${execution.flowId}** — ${execution.state}`, '', '| task | state | attempts |', '|---|---|---|', ...rows].join('\n');
}
