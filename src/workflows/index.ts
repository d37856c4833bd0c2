/**
 * The one generic workflow: runs any flow. Registered as the default (dynamic) workflow, so each
 * flow shows up in the Web UI under its own workflow type, `<namespace>.<flowId>`.
 *
 * Sandbox code: deterministic, no Node built-ins, activities imported by type only.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancelledFailure,
  condition,
  isCancellation,
  type LocalActivityOptions,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { Execution, TaskRun } from '../interpreter/execution';
import {
  type ExecutionRequest,
  FlowRun,
  type InterpreterPort,
  ResumeRefused,
  type TaskInvocation,
  type TaskInvocationOptions,
  type TaskLogLine,
  type TaskResult,
  TaskFailure,
} from '../interpreter/flow-run';
import { FlowStateKey, labelsAttribute, LabelsKey } from '../temporal/search-attributes';
import type { ScheduledExecutionRequest } from '../schedules/scheduled-request';
import { failTask } from '../activities/fail';
import { logTask } from '../activities/log';
import { returnTask } from '../activities/return';
import { parseDuration } from '../interpreter/duration';
import { activityOptionsFor, retryPolicyFor } from './activity-options';
import { executionRequestFor } from './trigger';
import { executionQuery, FLOW_FAILED, logsQuery, progressQuery, RESUME_REFUSED, resumeUpdate, TASK_FAILED } from './definitions';

type TaskActivity = (invocation: TaskInvocation) => Promise<TaskResult>;

/** Activities are looked up by the task's type: one activity type per Kestra task type. */
const activities = proxyActivities<Record<string, TaskActivity>>({ startToCloseTimeout: '1 hour' });

/**
 * Task types whose work is pure computation (microseconds, no I/O). They run as local activities:
 * the worker runs them right away within the current workflow task, so a sequential task costs no
 * server round trip (~1 ms instead of ~50 ms on the dev server). Each still shows in the Web UI, as
 * a local-activity marker whose summary is the task id, and its logs come back as usual.
 */
const PURE_TASK_TYPES: ReadonlySet<string> = new Set([logTask.type, returnTask.type, failTask.type]);
/**
 * Executions started before pure tasks ran locally scheduled regular activities for them: their
 * histories must replay unchanged, so the new path is taken only where this patch marker is (or is
 * now being) recorded.
 */
export const PURE_TASKS_LOCAL_PATCH = 'tflow-pure-tasks-as-local-activities';
/** Pure tasks finish in microseconds; a task's own `timeout` still wins. */
const PURE_TASK_ATTEMPT_TIMEOUT = '1 minute';

const localActivities = proxyLocalActivities<Record<string, TaskActivity>>({ startToCloseTimeout: PURE_TASK_ATTEMPT_TIMEOUT });

/**
 * A pure task cannot lose its worker halfway in a way a retry would mend (a local activity is re-run
 * with its workflow task), so only the task's own `retry` applies; none means one attempt.
 */
function localActivityOptionsFor(options: TaskInvocationOptions): LocalActivityOptions {
  const retry = options.retry ? retryPolicyFor(options.retry) : { maximumAttempts: 1 };
  // 0 = "no limit" for regular activities; local ones want it left out.
  if (retry.maximumAttempts === 0) delete retry.maximumAttempts;
  return {
    summary: options.summary,
    startToCloseTimeout: options.timeout ? parseDuration(options.timeout) : PURE_TASK_ATTEMPT_TIMEOUT,
    ...(options.retry?.maxDuration ? { scheduleToCloseTimeout: parseDuration(options.retry.maxDuration) } : {}),
    retry,
  };
}

function runsLocally(type: string): boolean {
  return PURE_TASK_TYPES.has(type) && patched(PURE_TASKS_LOCAL_PATCH);
}

const temporalPort: InterpreterPort = {
  async runTask(invocation: TaskInvocation, options: TaskInvocationOptions): Promise<TaskResult> {
    try {
      if (runsLocally(invocation.type)) {
        return await localActivities[invocation.type].executeWithOptions(localActivityOptionsFor(options), [invocation]);
      }
      return await activities[invocation.type].executeWithOptions(activityOptionsFor(options), [invocation]);
    } catch (error) {
      throw toTaskFailure(error, options);
    }
  },
  sleep: (ms, summary) => sleep(ms, { summary }),
  waitUntil: async (predicate, timeoutMs, summary) => {
    if (timeoutMs === undefined) return waitWithoutLimit(predicate, summary);
    return condition(predicate, timeoutMs, { summary });
  },
  isCancellation,
  newId: () => uuid4(),
  now: () => new Date(),
  onChange: (run) => setCurrentDetails(progressMarkdown(run.execution)),
  labelsChanged: (labels) => upsertSearchAttributes([{ key: LabelsKey, value: labelsAttribute(labels) }]),
  pausedChanged: (state) => upsertSearchAttributes([{ key: FlowStateKey, value: state }]),
};

export default async function tflowExecution(input: ExecutionRequest | ScheduledExecutionRequest): Promise<Execution> {
  const run = new FlowRun(executionRequestFor(input), temporalPort);
  setHandler(executionQuery, () => run.execution);
  setHandler(logsQuery, (from: number) => run.logsSince(from));
  setHandler(progressQuery, (from: number) => ({ execution: run.execution, ...run.logsSince(from) }));
  setHandler(resumeUpdate, (request) => refusalAsFailure(() => run.resume(request?.inputs ?? {})), {
    validator: (request) => refusalAsFailure(() => run.validateResume(request?.inputs ?? {})),
    description: 'Resume a paused execution, with the Pause tasks\' onResume inputs',
  });

  const execution = await run.run();
  upsertSearchAttributes([{ key: FlowStateKey, value: execution.state }]);
  await condition(allHandlersFinished);
  if (execution.state === 'KILLED' && run.killed) {
    // Ends the workflow as Canceled. Temporal keeps no details here: clients query the execution.
    throw new CancelledFailure('The execution was killed');
  }
  if (execution.state === 'FAILED' || execution.state === 'KILLED') {
    throw ApplicationFailure.create({
      type: FLOW_FAILED,
      message: execution.error ?? 'The execution failed',
      nonRetryable: true,
      details: [execution],
    });
  }
  return execution;
}

/** A refused resume reaches the caller as an ApplicationFailure with the reason (other errors would stall the workflow task). */
function refusalAsFailure<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof ResumeRefused) throw ApplicationFailure.create({ type: RESUME_REFUSED, message: error.message, nonRetryable: true });
    throw error;
  }
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

// --- Web UI (issue 11): untimed waits show as named timers; current details lead with what needs attention.

/**
 * Executions started before this patch waited on a bare condition, which the Web UI does not show.
 * Now an untimed wait (a Pause without duration) is a condition with a long named timer, so the
 * timeline and history show it as a wait under the task id while it lasts.
 */
export const NAMED_UNTIMED_WAIT_PATCH = 'tflow-named-untimed-wait';
/** Long enough to mean "until resumed"; should it elapse, the wait simply starts again. */
const UNTIMED_WAIT_TIMER = '3650 days';

async function waitWithoutLimit(predicate: () => boolean, summary: string): Promise<true> {
  if (!patched(NAMED_UNTIMED_WAIT_PATCH)) return condition(predicate).then(() => true);
  while (!(await condition(predicate, UNTIMED_WAIT_TIMER, { summary }))) {
    // The ten-year timer fired: keep waiting.
  }
  return true;
}

/**
 * The Web UI's "current details": what waits for a user or failed first (the table below can be
 * long and scrolls), then a one-screen table of the task runs.
 */
function progressMarkdown(execution: Execution): string {
  const label = (r: TaskRun) => `${r.taskId}${r.value !== undefined ? ` [${r.value}]` : ''}`;
  const attention = execution.taskRuns.flatMap((r) => {
    if (r.state === 'PAUSED') return [`- ⏸ \`${label(r)}\` is paused: resume it with \`tflow resume ${execution.id}\``];
    if (r.state === 'FAILED' && r.error) return [`- ✖ \`${label(r)}\` failed: ${r.error.split('\n').join(' ').slice(0, 300)}`];
    return [];
  });
  const rows = execution.taskRuns.slice(-50).map((r) => `| ${label(r)} | ${r.state} | ${r.attempts} |`);
  return [
    `**${execution.namespace}.${execution.flowId}** — ${execution.state}`,
    ...(attention.length > 0 ? ['', ...attention.slice(0, 10)] : []),
    '',
    '| task | state | attempts |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}
// --- end Web UI
