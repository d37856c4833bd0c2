/**
 * The variables an expression sees while an execution runs (Kestra's RunVariables): `flow`,
 * `execution`, `inputs`, `outputs`, `vars`, `labels`, `tasks`, `trigger`, and for a task its
 * `task`, `taskrun`, `parents` and `workingDir`, plus what `errorLogs()` and `currentEachOutput()`
 * read.
 */
import type { TaskSpec } from '../flow/spec';
import { type Context, withExecutionRuntime } from '../expression';
import { WORKING_DIR_PLACEHOLDER } from '../plugins/core/flow/working-directory';
import type { Execution, LogEntry, State, TaskRun } from './execution';
import type { LoopIteration } from './in-workflow-task';
import type { ExecutionRequest } from './interpreter-port';

/** Where the variables come from: the execution as it is now. */
export interface VariableSources {
  readonly request: ExecutionRequest;
  readonly execution: Execution;
  /** Task outputs: `outputs.<taskId>`, nested by loop values inside ForEach. */
  readonly outputs: Record<string, Record<string, unknown>>;
  readonly taskStates: Record<string, { state: State }>;
  readonly logs: readonly LogEntry[];
}

/** Where a task runs: its enclosing flowable task runs (nearest first) and ForEach iterations (outermost first). */
export interface TaskPlace {
  parents: readonly TaskRun[];
  loops: readonly LoopIteration[];
}

/** The variables of the execution, outside any task (flow outputs, SLAs, checks, onResume inputs). */
export function executionVariables(sources: VariableSources): Context {
  const { request, execution } = sources;
  const { flow } = request;
  const context: Context = {
    flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision },
    execution: { id: execution.id, startDate: execution.startDate, originalId: execution.originalId ?? execution.id, state: execution.state },
    outputs: sources.outputs,
    vars: flow.variables,
    labels: execution.labels,
    tasks: sources.taskStates,
  };
  // A flow without inputs has no `inputs` root, as in Kestra.
  if (flow.inputs.length > 0) context.inputs = execution.inputs;
  if (request.trigger) context.trigger = request.trigger;
  return context;
}

/** The variables a task's properties are rendered against; `extraTaskrun` adds to `taskrun` (ForEachItem's `items`). */
export function taskVariables(
  sources: VariableSources,
  task: TaskSpec,
  taskRun: TaskRun,
  place: TaskPlace,
  extraTaskrun?: Record<string, unknown>,
): Context {
  const loop = place.loops[place.loops.length - 1];
  const context: Context = {
    ...executionVariables(sources),
    task: { id: task.id, type: task.type },
    taskrun: {
      id: taskRun.id,
      startDate: taskRun.startDate,
      attemptsCount: Math.max(0, taskRun.attempts - 1),
      ...(loop ? { value: loop.value, iteration: loop.iteration } : {}),
      // A WaitFor's child: its iteration (1, 2…), the nearest loop even inside a ForEach.
      ...(taskRun.iteration !== undefined ? { iteration: taskRun.iteration } : {}),
      ...extraTaskrun,
    },
  };
  // Only the worker knows the directory: the activity puts it in place of this token.
  if (task.kind === 'runnable') context.workingDir = WORKING_DIR_PLACEHOLDER;
  if (place.parents.length > 0) {
    // Kestra's `parents`: the enclosing flowable task runs, nearest first; `parent` is the nearest.
    const parents = place.parents.map((p) => ({ taskrun: { id: p.id, ...(p.value !== undefined ? { value: p.value } : {}) }, outputs: p.outputs }));
    context.parents = parents;
    context.parent = parents[0];
  }
  // For `errorLogs()` and `currentEachOutput()`.
  const { id: executionId, namespace, flowId } = sources.execution;
  const errorLogs = () => sources.logs.filter((l) => l.level === 'ERROR').map((l) => ({ namespace, flowId, executionId, ...l }));
  return withExecutionRuntime(context, { errorLogs, loopValues: place.loops.map((l) => l.value) });
}

/**
 * The execution that started this one, from Kestra's `trigger` variables (a Subflow's parent, a
 * Flow trigger's source): Kestra lets an execution read that execution's files as well as its own.
 */
export function parentExecution(request: ExecutionRequest): { namespace: string; flowId: string; executionId: string } | undefined {
  const { executionId, namespace, flowId } = request.trigger ?? {};
  if (typeof executionId !== 'string' || typeof namespace !== 'string' || typeof flowId !== 'string') return undefined;
  return { namespace, flowId, executionId };
}
