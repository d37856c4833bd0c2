/**
 * tflow's Execution in Kestra's JSON shape (README "REST API"): `flowRevision`, `state` as
 * `{current, startDate, endDate}`, labels as `[{key, value}]`, `taskRunList`.
 */
import { knownTaskRunCount, MAX_EMBEDDED_TASK_RUNS } from '../client/task-run-pages';
import { type Execution, type TaskRun, TERMINATED_STATES } from '../workflow/interpreter/execution';

export interface KestraState {
  current: string;
  startDate?: string;
  endDate?: string;
}

export interface KestraTaskRun {
  id: string;
  executionId: string;
  namespace: string;
  flowId: string;
  taskId: string;
  parentTaskRunId?: string;
  value?: string;
  attempts: { state: KestraState }[];
  outputs: Record<string, unknown> | null;
  state: KestraState;
  error?: string;
}

export interface KestraExecution {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: KestraState;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  labels: { key: string; value: string }[];
  taskRunList: KestraTaskRun[];
  /**
   * Present when `taskRunList` holds only some of the task runs (more than MAX_EMBEDDED_TASK_RUNS,
   * or a large ForEach's iterations, which run in batches): how many there are, and the route that
   * pages through them all, in order.
   */
  taskRunListTruncated?: { embedded: number; total: number; pages: string };
  error?: string;
  url?: string;
  /** What started it, when a trigger did (webhooks): Kestra's `{id, type, variables}`. */
  trigger?: { id: string; type: string; variables: Record<string, unknown> };
  /** The first execution of a chain of CREATE_NEW_EXECUTION retries. */
  originalId?: string;
  /** Kestra's attempt counter: 1, then one more per restart or per execution a CREATE_NEW_EXECUTION retry created. */
  metadata?: { attemptNumber: number; originalCreatedDate?: string };
}

export function labelList(labels: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(labels).map(([key, value]) => ({ key, value }));
}

export function taskRunJson(execution: Execution, taskRun: TaskRun): KestraTaskRun {
  const state: KestraState = { current: taskRun.state, startDate: taskRun.startDate, endDate: taskRun.endDate };
  return {
    id: taskRun.id,
    executionId: execution.id,
    namespace: execution.namespace,
    flowId: execution.flowId,
    taskId: taskRun.taskId,
    ...(taskRun.parentTaskRunId ? { parentTaskRunId: taskRun.parentTaskRunId } : {}),
    ...(taskRun.value !== undefined ? { value: taskRun.value } : {}),
    attempts: Array.from({ length: taskRun.attempts }, (_, i) => ({ state: i === taskRun.attempts - 1 ? state : { current: 'FAILED' } })),
    outputs: Object.keys(taskRun.outputs ?? {}).length > 0 ? taskRun.outputs : null,
    state,
    ...(taskRun.error ? { error: taskRun.error } : {}),
  };
}

/**
 * The task runs an execution's JSON embeds: all of them up to MAX_EMBEDDED_TASK_RUNS; past that, the
 * first ones and those not ended yet (a Pause waiting, tasks running), at most as many again.
 */
function embeddedTaskRuns(taskRuns: readonly TaskRun[]): readonly TaskRun[] {
  if (taskRuns.length <= MAX_EMBEDDED_TASK_RUNS) return taskRuns;
  const open = taskRuns.slice(MAX_EMBEDDED_TASK_RUNS).filter((t) => !TERMINATED_STATES.includes(t.state));
  return [...taskRuns.slice(0, MAX_EMBEDDED_TASK_RUNS), ...open.slice(0, MAX_EMBEDDED_TASK_RUNS)];
}

export function executionJson(execution: Execution): KestraExecution {
  const embedded = embeddedTaskRuns(execution.taskRuns);
  const total = Math.max(execution.taskRuns.length, knownTaskRunCount(execution));
  return {
    id: execution.id,
    namespace: execution.namespace,
    flowId: execution.flowId,
    flowRevision: execution.revision,
    state: { current: execution.state, startDate: execution.startDate, endDate: execution.endDate },
    ...(Object.keys(execution.inputs ?? {}).length > 0 ? { inputs: execution.inputs } : {}),
    ...(Object.keys(execution.outputs ?? {}).length > 0 ? { outputs: execution.outputs } : {}),
    labels: labelList(execution.labels ?? {}),
    taskRunList: embedded.map((t) => taskRunJson(execution, t)),
    ...(total > embedded.length
      ? { taskRunListTruncated: { embedded: embedded.length, total, pages: `/api/v1/executions/${execution.id}/taskruns?page=1&size=100` } }
      : {}),
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.originalId ? { originalId: execution.originalId } : {}),
    ...(execution.attemptNumber ? { metadata: { attemptNumber: execution.attemptNumber } } : {}),
  };
}
