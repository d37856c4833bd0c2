/**
 * The execution record: what a user sees of a run (CLI `--json`, API, query), in Kestra's terms.
 * Pure types and helpers, safe in the workflow sandbox.
 */
import type { LogLevel } from '../flow/spec';
import type { ExtractedOutputs } from './extracted-outputs';
import { jsonBytes, MAX_PAYLOAD_DATA_BYTES } from './payload-size';

export type State =
  | 'CREATED'
  | 'QUEUED'
  | 'RUNNING'
  | 'PAUSED'
  | 'SUCCESS'
  | 'WARNING'
  | 'FAILED'
  | 'KILLED'
  | 'CANCELLED'
  | 'SKIPPED'
  /** A restarted execution, before it runs again. */
  | 'RESTARTED'
  | 'RETRYING'
  /** Failed, and a new execution of the flow was created in its place (retry behavior CREATE_NEW_EXECUTION). */
  | 'RETRIED';

/** Every state an execution can be in: what execution filters (CLI `--state`, API `state`) accept. */
export const EXECUTION_STATES: readonly State[] = [
  'CREATED',
  'QUEUED',
  'RUNNING',
  'PAUSED',
  'SUCCESS',
  'WARNING',
  'FAILED',
  'KILLED',
  'CANCELLED',
  'SKIPPED',
  'RESTARTED',
  'RETRYING',
  'RETRIED',
];

export const TERMINATED_STATES: readonly State[] = ['SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED', 'SKIPPED', 'RETRIED'];

export function isTerminated(state: State): boolean {
  return TERMINATED_STATES.includes(state);
}

export interface TaskRun {
  id: string;
  taskId: string;
  /** Task run id of the enclosing flowable task run, if any. */
  parentTaskRunId?: string;
  /** The loop value, for task runs inside ForEach. */
  value?: string;
  /** Kestra's `iteration`: which WaitFor iteration (1, 2…) a WaitFor's child task run belongs to, and the WaitFor's current one. */
  iteration?: number;
  state: State;
  /** Attempts made so far (1 after the first attempt). */
  attempts: number;
  outputs: Record<string, unknown>;
  startDate?: string;
  endDate?: string;
  /** Why the task failed, for FAILED task runs. */
  error?: string;
}

export interface LogEntry {
  timestamp: string;
  level: LogLevel;
  taskId?: string;
  taskRunId?: string;
  message: string;
}

export interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  revision: number;
  state: State;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  labels: Record<string, string>;
  taskRuns: TaskRun[];
  startDate: string;
  endDate?: string;
  /** Why the execution failed, when it did. */
  error?: string;
  /** A Subflow child: what its parent task's `outputs` rendered to (ExecutionRequest.extractOutputs). */
  extractedOutputs?: ExtractedOutputs;
  /** Kestra's `metadata.attemptNumber`, set from 2 on: one more per restart, or per execution a CREATE_NEW_EXECUTION retry created. */
  attemptNumber?: number;
  /** The first execution of a chain of CREATE_NEW_EXECUTION retries (Kestra's `originalId`), set on the later ones. */
  originalId?: string;
  /** Set when this copy leaves parts out to fit in a workflow result (see `fitForResult`). */
  truncated?: string;
}

/**
 * Temporal refuses workflow results over 2 MB (the execution would never complete): above
 * MAX_PAYLOAD_DATA_BYTES (UTF-8, ./payload-size.ts), the result leaves out task-run outputs, then the
 * execution's outputs and inputs, then the oldest task runs, and names what it left out. The whole execution stays available from the
 * execution query (`tflow executions get`) while the workflow can answer it.
 */
export function fitForResult(execution: Execution): Execution {
  if (jsonBytes(execution) <= MAX_PAYLOAD_DATA_BYTES) return execution;
  const withOutputs = [...new Set(execution.taskRuns.filter((run) => Object.keys(run.outputs).length > 0).map((run) => run.taskId))];
  const named = withOutputs.length <= 10 ? withOutputs.join(', ') : `${withOutputs.slice(0, 10).join(', ')} and ${withOutputs.length - 10} more`;
  const leftOut = [`outputs of task ${named}`];
  const note = () => `${leftOut.join(', ')} left out to fit in the workflow result: query the execution for them`;
  let taskRuns = execution.taskRuns.map((run) => ({ ...run, outputs: {} }));
  const fitted = { ...execution, taskRuns, truncated: note() };
  // Then large flow outputs and inputs (an API body), before any task run.
  for (const part of ['outputs', 'inputs'] as const) {
    if (jsonBytes(fitted) <= MAX_PAYLOAD_DATA_BYTES) return fitted;
    fitted[part] = {};
    leftOut.push(`the execution's ${part}`);
    fitted.truncated = note();
  }
  const listed = leftOut.length;
  while (jsonBytes(fitted) > MAX_PAYLOAD_DATA_BYTES && taskRuns.length > 0) {
    taskRuns = taskRuns.slice(Math.ceil(taskRuns.length / 4));
    fitted.taskRuns = taskRuns;
    leftOut.splice(listed, 1, `the ${execution.taskRuns.length - taskRuns.length} oldest task runs`);
    fitted.truncated = note();
  }
  return fitted;
}

/**
 * Kestra's final-state rule over a list of task runs: the worst of KILLED > FAILED > WARNING > PAUSED,
 * otherwise SUCCESS (SKIPPED and SUCCESS children both give SUCCESS).
 */
export function resolveState(states: readonly State[]): State {
  for (const candidate of ['KILLED', 'FAILED', 'WARNING', 'PAUSED'] as const) {
    if (states.includes(candidate)) return candidate;
  }
  return 'SUCCESS';
}

/**
 * Removes from the execution the task runs under `parentId` (children, grandchildren…), keeping the
 * parent: a WaitFor drops its previous iteration's task runs, as Kestra does. Returns the removed ones.
 */
export function removeTaskRunsUnder(execution: Execution, parentId: string): TaskRun[] {
  const under = new Set([parentId]);
  const removed: TaskRun[] = [];
  // Task runs are appended as they start: a parent always comes before its children.
  const kept = execution.taskRuns.filter((run) => {
    if (run.parentTaskRunId === undefined || !under.has(run.parentTaskRunId)) return true;
    under.add(run.id);
    removed.push(run);
    return false;
  });
  execution.taskRuns.splice(0, execution.taskRuns.length, ...kept);
  return removed;
}

/**
 * Kestra's `system.correlationId` label: the execution's own id, unless it came with one (a
 * Subflow's child inherits its parent's, ./subflow-request.ts).
 */
export function withCorrelationId(labels: Record<string, string>, executionId: string): Record<string, string> {
  return { 'system.correlationId': executionId, ...labels };
}
