/**
 * What running a runnable task means wherever it runs: in an activity (src/activities/runtime.ts)
 * or, for pure tasks, inside the workflow (./pure-tasks.ts). Both call these, so the two paths keep
 * the same property checks, log filtering, size limit and error text.
 *
 * Sandbox code: deterministic, no Node built-ins.
 */
import { LOG_LEVELS, type LogLevel } from './flow/spec';
import { jsonBytes, MAX_PAYLOAD_DATA_BYTES } from './interpreter/payload-size';
import type { TaskInvocation } from './interpreter/task-invocation';
import type { RunnableTaskDefinition, TaskContext } from './plugins/task-definition';

export { messageOf } from './error-message';

/** True for the levels a task run logs: its `logLevel` and above (every level when it has none). */
export function logsAtLevel(logLevel: LogLevel | undefined): (level: LogLevel) => boolean {
  const minimum = LOG_LEVELS.indexOf(logLevel ?? 'TRACE');
  return (level) => LOG_LEVELS.indexOf(level) >= minimum;
}

/** The task's rendered properties checked against its type's schema; `problem` names each invalid property. */
export function parseProperties(
  definition: RunnableTaskDefinition,
  taskId: string,
  properties: Record<string, unknown>,
): { properties: Record<string, unknown>; problem?: undefined } | { problem: string } {
  const parsed = definition.properties.safeParse(properties);
  if (parsed.success) return { properties: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'properties'}: ${i.message}`).join('; ');
  return { problem: `Invalid properties for task ${taskId}: ${problems}` };
}

/**
 * Why a task's outputs cannot travel back in the workflow history (an activity's result is a
 * payload Temporal refuses over 2 MB), if they cannot.
 */
export function outputsTooLarge(taskId: string, outputs: Record<string, unknown>): string | undefined {
  const size = jsonBytes(outputs);
  if (size <= MAX_PAYLOAD_DATA_BYTES) return undefined;
  return (
    `The outputs of task ${taskId} are ${size} bytes, too large to keep in the workflow history (limit ${MAX_PAYLOAD_DATA_BYTES}): ` +
    'store large results as files (for JDBC queries, `fetchType: STORE`; for scripts, `outputFiles`)'
  );
}

/** The part of a task's context that names its task run, the same wherever it runs. */
export function taskRunIdentity(
  invocation: TaskInvocation,
  attempt: number,
): Pick<TaskContext, 'executionId' | 'namespace' | 'flowId' | 'taskId' | 'taskRunId' | 'attempt'> {
  const { executionId, namespace, flowId, taskId, taskRunId } = invocation;
  return { executionId, namespace, flowId, taskId, taskRunId, attempt };
}
