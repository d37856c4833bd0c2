/**
 * Runnable tasks whose work is pure computation (Log, Return, Fail): microseconds, no I/O. Sending
 * them through the activity task queue costs a server round trip each (~50 ms per sequential task
 * on the dev server, almost all of it the server dispatching the next workflow task), so the
 * workflow runs them itself, within the current workflow task.
 *
 * Sandbox code: deterministic, no Node built-ins. The task modules it imports are sandbox-safe.
 */
import { log as workflowLog } from '@temporalio/workflow';
import { IN_WORKFLOW_TASK_TYPES } from './plugins';
import type { LogLevel } from './flow/spec';
import { renderAttemptProperties } from './interpreter/io-functions';
import { type TaskInvocation, type TaskInvocationOptions, type TaskLogLine, type TaskResult, TaskFailure } from './interpreter/task-invocation';
import type { RunnableTaskDefinition, TaskContext } from './plugins/task-definition';
import { pureTasksRunInWorkflow } from './pure-tasks-patch';
import { logsAtLevel, messageOf, parseProperties, taskRunIdentity } from './task-kernel';

/** The runnable types among the workflow's own task types (src/workflow/plugins/index.ts). */
const PURE_TASKS: ReadonlyMap<string, RunnableTaskDefinition> = new Map(
  IN_WORKFLOW_TASK_TYPES.filter((definition): definition is RunnableTaskDefinition => definition.kind === 'runnable').map((definition) => [
    definition.type,
    definition,
  ]),
);

/**
 * True when this task runs in the workflow. A task with `retry` or `timeout` keeps its activity:
 * those are activity semantics (attempts, a timer per attempt) and worth the round trip.
 */
export function runsInWorkflow(invocation: TaskInvocation, options: TaskInvocationOptions): boolean {
  if (!PURE_TASKS.has(invocation.type) || options.retry || options.timeout) return false;
  // I/O functions (kv/secret/read): such deferred properties are rendered by the activity only
  // (src/workflow/interpreter/io-functions.ts). Those deferred for taskrun.attemptsCount alone render here:
  // without retry there is one attempt, so the task keeps running in the workflow as it always did.
  if (invocation.deferred?.callsIo) return false;
  return pureTasksRunInWorkflow();
}

/** Runs a pure task as its activity would: same properties check, same outputs, logs and failures. */
export async function runInWorkflow(invocation: TaskInvocation, now: () => Date): Promise<TaskResult> {
  const definition = PURE_TASKS.get(invocation.type)!;
  const logs: TaskLogLine[] = [];
  const logged = logsAtLevel(invocation.logLevel);
  const log = (level: LogLevel, message: string) => {
    if (!logged(level)) return;
    logs.push({ timestamp: now().toISOString(), level, message });
    // Also to the worker's structured log, as activities do (the workflow logger skips replays).
    workflowLog[level.toLowerCase() as 'info'](message, { taskId: invocation.taskId, executionId: invocation.executionId });
  };
  let properties = invocation.properties;
  if (invocation.deferred) {
    try {
      properties = { ...properties, ...renderAttemptProperties(invocation.type, invocation.deferred, 1) };
    } catch (error) {
      throw new TaskFailure(messageOf(error), 1, logs);
    }
  }
  const parsed = parseProperties(definition, invocation.taskId, properties);
  if (parsed.problem !== undefined) throw new TaskFailure(parsed.problem, 1, logs);
  // Pure tasks only log: the rest of an activity's context (storage, files, cancellation) has no meaning here.
  // Their outputs are not checked against outputsTooLarge (./task-kernel.ts): they stay in the
  // workflow, where FlowRun's limit on the execution's outputs applies (interpreter/execution-outputs.ts).
  const context = { ...taskRunIdentity(invocation, 1), log } as TaskContext;
  try {
    return { outputs: await definition.run(parsed.properties, context), logs, attempts: 1 };
  } catch (error) {
    throw new TaskFailure(messageOf(error), 1, logs);
  }
}
