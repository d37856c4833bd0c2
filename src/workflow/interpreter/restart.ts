/**
 * Restarting a FAILED or KILLED execution, as Kestra does: the new attempt keeps the task runs that
 * ended SUCCESS, WARNING or SKIPPED (with their outputs, without running them again) and runs the
 * others, each with its attempt history. Pure: safe in the workflow sandbox.
 *
 * Rules (Kestra's ExecutionService.restart and its later fixes):
 * - a runnable, inline or leaf flowable task (Sleep, Pause, Subflow) that ended SUCCESS, WARNING or
 *   SKIPPED is reused; FAILED and KILLED ones run again as a new attempt of the same task run (their
 *   earlier attempts counted: the first restart of a task that failed once is its attempt 2);
 * - a flowable task with children (Sequential, Parallel, If, ForEach…) is evaluated again: its
 *   children decide, so a ForEach re-runs only the iterations that did not succeed, a Parallel only
 *   the branches that did not. It continues the attempt it was in (Kestra sets it RUNNING again): no
 *   new attempt, whether it had ended SUCCESS or FAILED;
 * - `errors`, `finally` and `afterExecution` branches are never reused: they run again when their
 *   condition holds in the new attempt;
 * - a WorkingDirectory is reused whole when it succeeded, and runs all its tasks again otherwise
 *   (the directory they share is not kept between attempts).
 */
import type { FlowSpec, TaskSpec } from '../flow/spec';
import type { Execution, State, TaskRun } from './execution';
import { RESTART_FLOWABLE_ATTEMPT_PATCH } from '../patches';

/** A task run of the attempt being restarted: only what the new attempt needs. */
export interface PreviousTaskRun extends Pick<TaskRun, 'id' | 'taskId' | 'parentTaskRunId' | 'value' | 'state' | 'attempts'> {
  /** Present for the task runs a restart reuses (SUCCESS, WARNING, SKIPPED). */
  outputs?: Record<string, unknown>;
}

/** `ExecutionRequest.restart`: the execution is a restart of an earlier attempt under the same id. */
export interface RestartRequest {
  /** Kestra's attempt number of the new attempt: 2 for the first restart. */
  attempt: number;
  taskRuns: PreviousTaskRun[];
}

/** Kestra's label on a restarted execution. */
export const RESTARTED_LABEL = 'system.restarted';

const REUSABLE_STATES: readonly State[] = ['SUCCESS', 'WARNING', 'SKIPPED'];

/**
 * The part of a finished execution a restart carries: every task run's identity, state and attempt
 * count, and outputs only for those that will be reused (failed ones run again and make their own).
 */
export function previousTaskRuns(execution: Execution): PreviousTaskRun[] {
  return execution.taskRuns.map((run) => ({
    id: run.id,
    taskId: run.taskId,
    ...(run.parentTaskRunId !== undefined ? { parentTaskRunId: run.parentTaskRunId } : {}),
    ...(run.value !== undefined ? { value: run.value } : {}),
    state: run.state,
    attempts: run.attempts,
    ...(REUSABLE_STATES.includes(run.state) ? { outputs: run.outputs } : {}),
  }));
}

/** Flowables whose children share state that a restart cannot rebuild piecemeal: reused whole or run whole. */
const REUSED_WHOLE = ['io.kestra.plugin.core.flow.WorkingDirectory'];

/** True for flowable tasks that run children: a restart evaluates them again instead of reusing them. */
export function hasChildren(task: TaskSpec): boolean {
  return task.kind === 'flowable' && Object.keys(task.children ?? {}).length > 0;
}

/** How a task run of the new attempt starts from the previous attempt. */
export type Carried = { reuse: true; previous: PreviousTaskRun } | { reuse: false; priorAttempts: number };

/**
 * The previous attempt's task runs, found by where they ran: the task id and loop value of the task
 * run and of each enclosing flowable task run (task ids are unique in a flow; loop values tell
 * ForEach iterations apart). A path seen twice (a ForEach over duplicate values) is matched in order.
 */
export class PreviousAttempt {
  private readonly byPath = new Map<string, PreviousTaskRun[]>();

  constructor(
    flow: FlowSpec,
    restart: RestartRequest,
    /** Temporal's `patched(id)`. */
    private readonly patched: (id: string) => boolean,
  ) {
    const neverReused = branchTaskIds(flow);
    const byId = new Map(restart.taskRuns.map((run) => [run.id, run]));
    for (const run of restart.taskRuns) {
      if (neverReused.has(run.taskId)) continue;
      const path: string[] = [];
      for (let at: PreviousTaskRun | undefined = run; at; at = at.parentTaskRunId === undefined ? undefined : byId.get(at.parentTaskRunId)) {
        path.unshift(segment(at.taskId, at.value));
      }
      const key = path.join('/');
      this.byPath.set(key, [...(this.byPath.get(key) ?? []), run]);
    }
  }

  /**
   * What the previous attempt left for `task` running under `parents` (nearest first) in loop
   * iteration `value`: a run to reuse, or the attempts to count before the new ones.
   */
  take(task: TaskSpec, parents: readonly TaskRun[], value: string | undefined): Carried {
    const key = [...parents]
      .reverse()
      .map((p) => segment(p.taskId, p.value))
      .concat(segment(task.id, value))
      .join('/');
    const previous = this.byPath.get(key)?.shift();
    if (!previous) return { reuse: false, priorAttempts: 0 };
    const continuesItsAttempt = hasChildren(task) && !REUSED_WHOLE.includes(task.type);
    if (!REUSABLE_STATES.includes(previous.state)) {
      // Restarts recorded before counted a new attempt for a failed flowable too.
      if (continuesItsAttempt && this.patched(RESTART_FLOWABLE_ATTEMPT_PATCH))
        return { reuse: false, priorAttempts: Math.max(0, previous.attempts - 1) };
      return { reuse: false, priorAttempts: previous.attempts };
    }
    if (!continuesItsAttempt) return { reuse: true, previous };
    // A flowable that succeeded is evaluated again without a new attempt: it continues its last one.
    return { reuse: false, priorAttempts: Math.max(0, previous.attempts - 1) };
  }
}

function segment(taskId: string, value: string | undefined): string {
  return value === undefined ? taskId : `${taskId}[${JSON.stringify(value)}]`;
}

/** Ids of the tasks of `errors`, `finally` and `afterExecution` branches (flow-level and flowable-local), with their descendants. */
function branchTaskIds(flow: FlowSpec): Set<string> {
  const ids = new Set<string>();
  const addAll = (tasks: readonly TaskSpec[]) => {
    for (const task of tasks) {
      ids.add(task.id);
      addAll([...Object.values(task.children ?? {}).flat(), ...(task.errors ?? [])]);
    }
  };
  const findLocal = (tasks: readonly TaskSpec[]) => {
    for (const task of tasks) {
      addAll(task.errors ?? []);
      findLocal(Object.values(task.children ?? {}).flat());
    }
  };
  addAll([...flow.errors, ...flow.finally, ...(flow.afterExecution ?? [])]);
  findLocal(flow.tasks);
  return ids;
}
