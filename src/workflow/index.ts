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
  CancellationScope,
  CancelledFailure,
  condition,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { type Execution, fitForResult, type TaskRun } from './interpreter/execution';
import { type ExecutionRequest, type ForEachBatch, type ForEachBatchResult, type InterpreterPort } from './interpreter/interpreter-port';
import { FlowRun } from './interpreter/flow-run';
import { type TaskInvocation, type TaskInvocationOptions, type TaskLogLine, type TaskResult, TaskFailure } from './interpreter/task-invocation';
import { ResumeRefused } from './interpreter/pauses';
import { FlowStateKey, labelsAttribute, LabelsKey } from './search-attributes';
import type { ScheduledExecutionRequest } from './schedules/scheduled-request';
import { activityInputFor, activityOptionsFor, type TaskActivityInput } from './activity-options';
import { concurrencySlot } from './concurrency/concurrency-slot';
import { runInWorkflow, runsInWorkflow } from './pure-tasks';
import { subflowPort } from './subflow/subflow-port';
import { fireFlowTriggers } from './flow-triggers/flow-triggers';
import { executionRequestFor } from './schedules/execution-request';
import { executionQuery, FLOW_FAILED, logsQuery, progressQuery, RESUME_REFUSED, resumeUpdate, TASK_FAILED } from './definitions';
import { NAMED_UNTIMED_WAIT_PATCH } from './patches';

type TaskActivity = (input: TaskActivityInput) => Promise<TaskResult>;

/** Activities are looked up by the task's type: one activity type per Kestra task type. */
const activities = proxyActivities<Record<string, TaskActivity>>({ startToCloseTimeout: '1 hour' });

const temporalPort: InterpreterPort = {
  async runTask(invocation: TaskInvocation, options: TaskInvocationOptions): Promise<TaskResult> {
    try {
      if (runsInWorkflow(invocation, options)) return await runInWorkflow(invocation, () => new Date());
      return await activities[invocation.type].executeWithOptions(activityOptionsFor(options), [activityInputFor(invocation, options)]);
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
  // SLA timers race the tasks: each runs in its own scope, so either can stop the other.
  cancellable<T>(body: () => Promise<T>) {
    const scope = new CancellationScope();
    return { result: scope.run(body), cancel: () => scope.cancel() };
  },
  patched,
  // A large ForEach: each batch of iterations is a child workflow (tflowForEachBatch below).
  runForEachBatch: (batch) =>
    executeChild(tflowForEachBatch, {
      workflowId: batch.batchId,
      args: [batch],
      staticSummary:
        `${batch.taskId}: iterations ${batch.firstIteration}–${batch.firstIteration + batch.values.length - 1} of ${batch.request.executionId}`.slice(
          0,
          190,
        ),
    }),
  newId: () => uuid4(),
  now: () => new Date(),
  onChange: (run) => {
    // Building the table scans every task run: on big flows (a ForEach over thousands of values)
    // doing it at every change is quadratic and can push a workflow task past its time limit, so
    // refresh on every 50th task run and whenever the execution's own state is worth showing.
    const { execution } = run;
    const worthShowing = execution.state !== 'RUNNING' || execution.taskRuns.length <= 200 || execution.taskRuns.length % 50 === 0;
    if (worthShowing) setCurrentDetails(progressMarkdown(execution));
  },
  labelsChanged: (labels) => upsertSearchAttributes([{ key: LabelsKey, value: labelsAttribute(labels) }]),
  stateChanged: (state) => upsertSearchAttributes([{ key: FlowStateKey, value: state }]),
  // Subflow: child flow loaded by a local activity, run as a child workflow (src/workflow/subflow/subflow-port.ts).
  ...subflowPort,
};

export { tflowConcurrencySemaphore } from './concurrency/concurrency-slot';
export { tflowFlowTriggerRetry } from './flow-triggers/flow-triggers';

export default async function tflowExecution(input: ExecutionRequest | ScheduledExecutionRequest): Promise<Execution> {
  const request = executionRequestFor(input);
  // The semaphore answers by workflow id (for scheduled runs too, whose execution id is derived).
  const slot = concurrencySlot(request.flow.namespace, request.flow.id, workflowInfo().workflowId);
  const port: InterpreterPort = {
    ...temporalPort,
    async acquireConcurrencySlot(concurrency, onQueued) {
      let queued = false;
      const granted = await slot.acquire(concurrency, (running) => {
        queued = true;
        upsertSearchAttributes([{ key: FlowStateKey, value: 'QUEUED' }]);
        onQueued(running);
      });
      if (queued && granted) upsertSearchAttributes([{ key: FlowStateKey, value: 'RUNNING' }]);
      return granted;
    },
    releaseConcurrencySlot: () => slot.release(),
  };
  const run = new FlowRun(request, port);
  setHandler(executionQuery, () => run.execution);
  setHandler(logsQuery, (from: number) => run.logsSince(from));
  setHandler(progressQuery, (from: number) => ({ execution: run.execution, ...run.logsSince(from) }));
  setHandler(resumeUpdate, (request) => refusalAsFailure(() => run.resume(request?.inputs ?? {})), {
    validator: (request) => refusalAsFailure(() => run.validateResume(request?.inputs ?? {})),
    description: "Resume a paused execution, with the Pause tasks' onResume inputs",
  });

  const execution = await run.run();
  upsertSearchAttributes([{ key: FlowStateKey, value: execution.state }]);
  // Before waiting for handlers: in a killed execution that wait throws at once.
  await fireFlowTriggers(execution);
  await condition(allHandlersFinished);
  if (execution.state === 'KILLED' && run.killed) {
    // Ends the workflow as Canceled. Temporal keeps no details here: clients query the execution.
    throw new CancelledFailure('The execution was killed');
  }
  // RETRIED (retry behavior CREATE_NEW_EXECUTION) failed too: the Web UI shows why, and which execution took over.
  if (execution.state === 'FAILED' || execution.state === 'KILLED' || execution.state === 'RETRIED') {
    throw ApplicationFailure.create({
      type: FLOW_FAILED,
      message: execution.error ?? 'The execution failed',
      nonRetryable: true,
      details: [fitForResult(execution)],
    });
  }
  return fitForResult(execution);
}

/**
 * One batch of a large ForEach's iterations, for its parent execution (FlowRun.runIterationsInBatches):
 * the iterations' task runs and logs are here, queryable like an execution's.
 */
export async function tflowForEachBatch(batch: ForEachBatch): Promise<ForEachBatchResult> {
  const run = new FlowRun(batch.request, temporalPort);
  setHandler(executionQuery, () => run.execution);
  setHandler(logsQuery, (from: number) => run.logsSince(from));
  setHandler(progressQuery, (from: number) => ({ execution: run.execution, ...run.logsSince(from) }));
  return run.runBatch(batch);
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
    return new TaskFailure(
      `Timeout${limit} exceeded (${cause.timeoutType === 'HEARTBEAT' ? 'heartbeat: the worker stopped answering' : 'the task ran too long'})`,
      options.retry?.maxAttempts ?? 1,
    );
  }
  return new TaskFailure(cause?.message ?? error.message, options.retry?.maxAttempts ?? 1);
}

// --- Temporal Web UI: untimed waits show as named timers; current details lead with what needs attention (README, "In the Temporal Web UI").

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
