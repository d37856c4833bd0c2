/**
 * The execution record: what a user sees of a run (CLI `--json`, API, query), in Kestra's terms.
 * Pure types and helpers, safe in the workflow sandbox.
 */
import type { LogLevel } from '../flow/spec';

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
  | 'RETRYING';

export const TERMINATED_STATES: readonly State[] = ['SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED', 'SKIPPED'];

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
