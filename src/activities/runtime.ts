/**
 * Turns each runnable task type into a Temporal activity: validates the rendered properties, gives
 * the task a context (logs, cancellation), heartbeats while it runs, and reports failures in a
 * shape the workflow understands (TaskFailed with the attempt and the task's logs).
 */
import { activityInfo, ApplicationFailure, Context } from '@temporalio/activity';
import type { LogLevel } from '../flow/spec';
import type { TaskInvocation, TaskLogLine, TaskResult } from '../interpreter/flow-run';
import { runnableTaskTypes } from '../tasks/registry';
import type { RunnableTaskDefinition, TaskContext } from '../tasks/task-definition';
import { TASK_FAILED } from '../workflows/definitions';
import { LOG_LEVELS } from '../flow/spec';

const HEARTBEAT_EVERY_MS = 10_000;

export type TaskActivities = Record<string, (invocation: TaskInvocation) => Promise<TaskResult>>;

/** One activity per runnable task type, keyed by the Kestra type name. */
export function createTaskActivities(definitions: readonly RunnableTaskDefinition[] = runnableTaskTypes()): TaskActivities {
  return Object.fromEntries(definitions.map((definition) => [definition.type, (invocation: TaskInvocation) => runTask(definition, invocation)]));
}

async function runTask(definition: RunnableTaskDefinition, invocation: TaskInvocation): Promise<TaskResult> {
  const activity = Context.current();
  const attempt = activityInfo().attempt;
  const logs: TaskLogLine[] = [];
  const minimum = LOG_LEVELS.indexOf(invocation.logLevel ?? 'TRACE');
  const log = (level: LogLevel, message: string) => {
    if (LOG_LEVELS.indexOf(level) < minimum) return;
    logs.push({ timestamp: new Date().toISOString(), level, message });
    activity.log[levelMethod(level)](message, { taskId: invocation.taskId, executionId: invocation.executionId });
  };

  const parsed = definition.properties.safeParse(invocation.properties);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'properties'}: ${i.message}`).join('; ');
    throw ApplicationFailure.create({ type: TASK_FAILED, message: `Invalid properties for task ${invocation.taskId}: ${problems}`, nonRetryable: true, details: [{ attempt, logs }] });
  }
  const context: TaskContext = {
    executionId: invocation.executionId,
    namespace: invocation.namespace,
    flowId: invocation.flowId,
    taskId: invocation.taskId,
    taskRunId: invocation.taskRunId,
    attempt,
    log,
    signal: activity.cancellationSignal,
  };
  const heartbeat = setInterval(() => activity.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    const outputs = await definition.run(parsed.data, context);
    return { outputs, logs, attempts: attempt };
  } catch (error) {
    if (activity.cancellationSignal.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    activity.log.error(message, { taskId: invocation.taskId, executionId: invocation.executionId });
    throw ApplicationFailure.create({ type: TASK_FAILED, message, details: [{ attempt, logs }] });
  } finally {
    clearInterval(heartbeat);
  }
}

function levelMethod(level: LogLevel): 'trace' | 'debug' | 'info' | 'warn' | 'error' {
  return level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
}
